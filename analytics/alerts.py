"""The alerts digest (issue 15.5): what a leader should know about one period, as one stable table.

Kinds, in this order:

* ``fall`` — a significant fall against the comparison period (``sel.comparison``; BH-adjusted across
  the jurisdictions of each indicator, exactly as the scorecard and every page compute ``direction``);
* ``target_missed`` — an assessment target missed: the whole 95% interval on the wrong side of the target
  that applies to the jurisdiction (:func:`analytics.assessment.target_status` 'missed', the scorecard's
  target columns); a 'likely missed' cell, whose interval still holds the target, is not an alert;
* ``below_average`` — significantly below the level average (the scorecard's colour rule);
* ``newly_suppressed`` — a cell suppressed this period whose comparison period was shown ('ok' or
  'caution'): the station's sample fell short, its figure is missing this time;
* ``open_callback`` — a dissatisfied callback not rectified ``days`` or more days after the callback
  (as of the latest case data), one row per jurisdiction with the count and the longest wait.

Rows are sorted by kind, then by size (largest first), then jurisdiction code and indicator, so the output
of a scheduled run changes only when the data do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import cases, scorecard
from analytics.choices import ALERT_CALLBACK_DAYS
from analytics.db import Connection
from analytics.i18n import t
from analytics.selection import Selection

KINDS = ("fall", "target_missed", "below_average", "newly_suppressed", "open_callback")
# New columns go at the end: scheduled jobs read the CSV by position as well as by name.
ALERT_COLUMNS = ["kind", "jurisdiction", "name_zh", "name_en", "indicator", "period", "comparison_period",
                 "measure", "estimate", "previous", "change", "average", "gap", "p_adjusted", "count", "days",
                 "target", "target_direction", "ci_low", "ci_high"]
DEFAULT_CALLBACK_DAYS = ALERT_CALLBACK_DAYS


def alerts(con: Connection, sel: Selection, *, days: int = DEFAULT_CALLBACK_DAYS) -> pd.DataFrame:
    """The digest for ``sel.latest`` at ``sel.level`` (see the module docstring); :data:`ALERT_COLUMNS`.

    Estimates, changes and gaps are proportions for rates and score points for means (as the engine);
    ``count`` and ``days`` are filled for open callbacks only; ``target`` and ``target_direction`` ('higher' or
    'lower' is better) for missed targets, whose ``p_adjusted`` is empty (the status reads the interval,
    ``ci_low``..``ci_high``, not a test). A scoped ``sel.user`` gets only what it
    may see.
    """
    card = scorecard.scorecard(con, sel)
    parts = [
        _rows(card[card["direction"].eq("down")], "fall", size=card["change"].abs()),
        _rows(card[card["target_status"].eq("missed")], "target_missed", size=card["target_gap"].abs()),
        _rows(card[card["vs_average"].eq("below")], "below_average", size=card["gap"].abs()),
        _rows(card[card["flag"].eq("suppressed") & card["prev_flag"].isin(["ok", "caution"])], "newly_suppressed",
              size=pd.Series(0.0, index=card.index)),
        _open_callbacks(con, sel, days),
    ]
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["_kind"] = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = out.sort_values(["_kind", "_size", "jurisdiction", "indicator"], ascending=[True, False, True, True],
                          kind="stable", na_position="last")
    return out[ALERT_COLUMNS].reset_index(drop=True)


def _rows(part: pd.DataFrame, kind: str, *, size: pd.Series) -> pd.DataFrame:
    if part.empty:
        return pd.DataFrame(columns=[*ALERT_COLUMNS, "_size"])
    return pd.DataFrame({
        "kind": kind, "jurisdiction": part["jurisdiction"], "name_zh": part["name_zh"], "name_en": part["name_en"],
        "indicator": part["indicator"], "period": part["period"], "comparison_period": part["prev_period"],
        "measure": part["kind"],
        "estimate": part["estimate"], "previous": part["prev_estimate"], "change": part["change"],
        "average": part["avg_estimate"], "gap": part["gap"],
        "p_adjusted": (part["p_adjusted"] if kind == "fall" else np.nan if kind == "target_missed"
                       else part["gap_p_adjusted"]),
        "count": np.nan, "days": np.nan,
        "target": part["target"] if kind == "target_missed" else np.nan,
        "target_direction": part["target_direction"] if kind == "target_missed" else None,
        "ci_low": part["ci_low"], "ci_high": part["ci_high"], "_size": size[part.index].to_numpy(float)})


def _open_callbacks(con: Connection, sel: Selection, days: int) -> pd.DataFrame:
    waiting = cases.open_loop(con, sel)
    late = waiting[waiting["days_waited"] >= days]
    if late.empty:
        return pd.DataFrame(columns=[*ALERT_COLUMNS, "_size"])
    grouped = late.groupby(["jurisdiction", "name_zh", "name_en"], as_index=False).agg(
        count=("case_id", "size"), days=("days_waited", "max"))
    return grouped.assign(kind="open_callback", indicator="", period=sel.latest or "", comparison_period="", measure="",
                          estimate=np.nan, previous=np.nan, change=np.nan, average=np.nan, gap=np.nan,
                          p_adjusted=np.nan, target=np.nan, target_direction=None, ci_low=np.nan, ci_high=np.nan,
                          _size=grouped["count"].astype(float))


def _amount(value: float, measure: str) -> str:
    """A value or difference in the row's units: percentage points for rates, score points for means."""
    return f"{abs(value):.2f}" if measure == "mean" else f"{100 * abs(value):.1f}"


def _level(value: float, measure: str) -> str:
    return f"{value:.2f}" if measure == "mean" else f"{100 * value:.1f}%"


def _interval(row: dict, measure: str) -> str:
    """The row's 95% interval as '24.1–36.7%' (a rate) or '6.31–6.52' (a mean score)."""
    if measure == "mean":
        return f"{row['ci_low']:.2f}–{row['ci_high']:.2f}"
    return f"{100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f}%"


def alert_text(row: dict, lang: str, indicator_labels: dict[str, str]) -> str:
    """One alert as a sentence in ``lang`` (catalog keys ``alerts.text.<kind>``), the same words on the
    Overview and in the CLI's text output. p-values below 0.001 are written '< 0.001'."""
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    name = name if isinstance(name, str) and name else row["jurisdiction"]
    label = indicator_labels.get(row["indicator"], row["indicator"])
    kind, measure = row["kind"], row.get("measure", "rate")
    if kind == "open_callback":
        return t("alerts.text.open_callback", lang, name=name, count=int(row["count"]), days=int(row["days"]))
    if kind == "newly_suppressed":
        return t("alerts.text.newly_suppressed", lang, name=name, indicator=label, period=row["period"],
                 previous=row["comparison_period"])
    unit = t(f"alerts.unit.{'score' if measure == 'mean' else 'points'}", lang)
    if kind == "target_missed":
        side = "lower" if row.get("target_direction") == "lower" else "higher"
        return t(f"alerts.text.target_missed.{side}", lang, name=name, indicator=label,
                 value=_level(row["estimate"], measure), interval=_interval(row, measure),
                 target=_level(row["target"], measure), amount=_amount(row["estimate"] - row["target"], measure),
                 unit=unit)
    p = row["p_adjusted"]
    p_text = "< 0.001" if p < 0.001 else f"= {p:.3f}"
    if kind == "fall":
        return t("alerts.text.fall", lang, name=name, indicator=label, amount=_amount(row["change"], measure),
                 unit=unit, previous=row["comparison_period"], value=_level(row["estimate"], measure),
                 before=_level(row["previous"], measure), p=p_text)
    return t("alerts.text.below_average", lang, name=name, indicator=label, amount=_amount(row["gap"], measure),
             unit=unit, value=_level(row["estimate"], measure), average=_level(row["average"], measure), p=p_text)
