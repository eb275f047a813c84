"""The leaders' scorecard: each jurisdiction's indicators against the level average, and who needs attention.

Colour rule (issue 15): a cell is coloured by whether the jurisdiction is *significantly* above, within or
below the average of its level for the same indicator and period — never by the raw rate alone.

Method
------
The level average is the estimate over every respondent the user may see at the level above the
jurisdictions shown (the city for stations and districts), computed from respondents like any other
figure (:mod:`analytics.engine`), never by averaging rates. A jurisdiction's respondents are part of that
average, so the two estimates are not independent. With ``s`` the jurisdiction's share of the average's
base (n_j / N) and the rest of the level sampled independently of the jurisdiction::

    p_j − p_avg = (1 − s) (p_j − p_rest)
    Var(p_j − p_avg) = se_j² (1 − 2s) + se_avg²

(exact for unweighted estimates; for weighted ones the share uses the unweighted base, an approximation
noted in docs/statistics.md). z = gap / sqrt(var), two-sided normal p, Benjamini–Hochberg adjusted across
the jurisdictions of each indicator and period, like changes over time. ``vs_average`` is 'above' or
'below' when the adjusted p is below ``alpha``, else 'within'; 'suppressed' for a suppressed cell (no
estimate is ever shown); 'no_data' for a jurisdiction without answers; 'no_reference' at city level,
which has no level above it.

Assessment targets (issue 16) take over the colour where they exist: when a target applies to the cell's
indicator (``source='indicator'``; scope and effective date resolved exactly as the Assessment page does,
:func:`analytics.assessment.targets_for`), the cell's ``colour_class`` is the target status that respects the
95% interval (:func:`analytics.assessment.target_status`): 'met' (interval entirely on the good side),
'likely_met', 'likely_missed', 'missed' (interval entirely on the wrong side) or 'not_assessable'
(suppressed or no data). Without a target it is ``vs_average``. ``colour_rule`` says which ('target' or
'average'), so a page can say which rule each column uses; ``vs_average`` is computed either way.

"Needs attention" lists jurisdiction × indicator cells significantly below the average, that missed their
target (the whole interval on the wrong side: 'likely missed' is not listed, it cannot be told from meeting
it), or with a significant fall under the selection's comparison rule (BH-adjusted), largest gap first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics import assessment, engine, stats, waves
from analytics.db import Connection
from analytics.periods import WAVE_KIND, available_periods, with_comparison_periods
from analytics.selection import Selection

ALPHA = 0.05
CLASSES = ("above", "within", "below", "suppressed", "no_data", "no_reference")
SPARK_PERIODS = 8  # periods of history drawn per row
PARENT_LEVEL = {"station": "city", "district": "city", "city": None}
SCORECARD_COLUMNS = ["avg_estimate", "gap", "gap_se", "gap_p", "gap_p_adjusted", "vs_average"]
TARGET_COLUMNS = ["target", "target_direction", "target_status", "target_gap", "colour_rule", "colour_class"]
TARGET_CLASSES = assessment.STATUSES  # met, likely_met, likely_missed, missed, not_assessable


def _latest_only(sel: Selection) -> Selection:
    """``sel`` narrowed to its latest period (the one a scorecard shows)."""
    return sel.with_(periods=(sel.latest,)) if sel.latest else sel


def _table_with_changes(con: Connection, sel: Selection, level: str, codes: tuple[str, ...]) -> pd.DataFrame:
    """Indicator table of ``sel``'s latest period at ``level`` with change columns under ``sel.comparison``."""
    shown = [sel.latest] if sel.latest else None
    # A survey wave is compared with the wave before it (whatever the months between), as engine.indicator_table.
    previous = waves.previous_waves(con) if sel.period_kind == WAVE_KIND else None
    if not shown:
        needed: tuple[str, ...] = ()
    elif previous is not None:
        needed = tuple(waves.with_previous_waves(con, shown))
    else:
        needed = tuple(with_comparison_periods(shown, lag=sel.comparison))
    # The comparison periods' flags are needed too (prev_flag): the table of both, then the engine's changes.
    table = engine.indicator_table(con, sel.with_(level=level, jurisdiction_codes=codes, periods=needed))
    if table.empty:
        return table.assign(**{c: pd.Series(dtype=float) for c in [*engine.CHANGE_COLUMNS, "prev_flag"]})
    changed = engine.add_changes(table, lag=sel.comparison, periods=shown, previous=previous)
    prev = table.set_index(["indicator", "jurisdiction", "period"])["flag"]
    changed["prev_flag"] = prev.reindex(pd.MultiIndex.from_arrays(
        [changed["indicator"], changed["jurisdiction"], changed["prev_period"]])).to_numpy()
    return changed


def scorecard(con: Connection, sel: Selection, *, alpha: float = ALPHA) -> pd.DataFrame:
    """The scorecard of ``sel``'s latest period: one row per jurisdiction × indicator (tidy).

    Columns: the engine's tidy and change columns (``change`` in proportion or score points against the
    period ``sel.comparison`` names, ``direction`` 'up'/'down' only when significant after BH), ``prev_flag``,
    ``avg_estimate`` (the level average), ``gap`` = estimate − average (same units), ``gap_se``, ``gap_p``,
    ``gap_p_adjusted`` and ``vs_average`` (one of :data:`CLASSES`, see the module docstring), and the
    target columns :data:`TARGET_COLUMNS`: ``target`` and ``target_direction`` ('higher'/'lower') where an
    assessment target applies, ``target_status`` (one of :data:`TARGET_CLASSES`, None without a target),
    ``target_gap`` = estimate − target (same units as ``gap``), ``colour_rule`` ('target' or 'average') and
    ``colour_class`` (the target status or ``vs_average``: what the heat-map and the map colour by). Empty
    when ``sel`` has no period.
    """
    if sel.latest is None:
        return pd.DataFrame(columns=[*engine.TIDY_COLUMNS, *engine.CHANGE_COLUMNS, "prev_flag",
                                     *SCORECARD_COLUMNS, *TARGET_COLUMNS])
    table = _table_with_changes(con, sel, sel.level, sel.jurisdiction_codes)
    if table.empty:
        return table.assign(**{c: pd.Series(dtype=float) for c in [*SCORECARD_COLUMNS, *TARGET_COLUMNS]})
    return _with_targets(con, _against_average(con, sel, table, alpha), sel.level)


def _against_average(con: Connection, sel: Selection, table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """``table`` with the level-average columns :data:`SCORECARD_COLUMNS` (see the module docstring)."""
    parent = PARENT_LEVEL[sel.level]
    out = table.copy()
    if parent is None:
        for column in SCORECARD_COLUMNS[:-1]:
            out[column] = np.nan
        out["vs_average"] = np.where(out["flag"].eq("suppressed"), "suppressed", "no_reference")
        return out
    average = engine.indicator_table(con, sel.with_(level=parent, jurisdiction_codes=(), periods=(sel.latest,)))
    avg = average.groupby(["indicator", "period"]).agg(
        avg_estimate=("estimate", "first"), avg_se=("se", "first"), avg_n=("n", "sum"))
    joined = avg.reindex(pd.MultiIndex.from_arrays([out["indicator"], out["period"]]))
    out["avg_estimate"] = joined["avg_estimate"].to_numpy(float)
    avg_se = joined["avg_se"].to_numpy(float)
    share = np.clip(out["n"].to_numpy(float) / joined["avg_n"].to_numpy(float), 0.0, 1.0)
    se = out["se"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        var = se * se * (1.0 - 2.0 * share) + avg_se * avg_se
        gap_se = np.sqrt(np.where(var > 0, var, np.nan))
    gap = out["estimate"].to_numpy(float) - out["avg_estimate"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = gap / gap_se
    p = 2.0 * norm.sf(np.abs(z))
    p_adj = adjust_by_group(out, p)
    out["gap"] = gap
    out["gap_se"] = gap_se
    out["gap_p"] = p
    out["gap_p_adjusted"] = p_adj
    significant = p_adj < alpha
    out["vs_average"] = np.select(
        [out["flag"].eq("suppressed").to_numpy(), out["estimate"].isna().to_numpy(),
         significant & (gap > 0), significant & (gap < 0)],
        ["suppressed", "no_data", "above", "below"], default="within")
    return out


def _with_targets(con: Connection, card: pd.DataFrame, level: str) -> pd.DataFrame:
    """``card`` with :data:`TARGET_COLUMNS`: the Assessment page's own target resolution and status rule."""
    out = card.reset_index(drop=True)
    concrete = out["period"].ne("all")  # a target takes effect from a date: 'all' periods have none to compare
    found = assessment.targets_for(
        con, out.loc[concrete, ["jurisdiction", "period"]].assign(
            source="indicator", component=out.loc[concrete, "indicator"]).reset_index(drop=True), level)
    target = np.full(len(out), np.nan)
    direction = np.full(len(out), None, dtype=object)
    target[concrete.to_numpy()] = found["target"].to_numpy(float)
    direction[concrete.to_numpy()] = found["direction"].to_numpy(object)
    has_target = np.isfinite(target)
    status = assessment.target_status(out["estimate"], out["ci_low"], out["ci_high"], target,
                                      np.where(has_target, direction, "higher"))
    out["target"] = target
    out["target_direction"] = direction
    out["target_status"] = np.where(has_target, status, None)
    out["target_gap"] = out["estimate"].to_numpy(float) - target
    out["colour_rule"] = np.where(has_target, "target", "average")
    out["colour_class"] = np.where(has_target, status, out["vs_average"].to_numpy(object))
    return out


def adjust_by_group(frame: pd.DataFrame, pvalues: np.ndarray, keys: tuple[str, ...] = ("indicator", "period")
                    ) -> np.ndarray:
    """Benjamini–Hochberg adjusted ``pvalues`` within each group of ``frame``'s ``keys`` (NaN stays NaN)."""
    out = np.full(len(frame), np.nan)
    values = np.asarray(pvalues, dtype=float)
    # One adjustment per indicator and period (a few dozen groups), as the engine does for changes.
    for positions in frame.reset_index(drop=True).groupby(list(keys), sort=False).indices.values():
        out[positions] = stats.benjamini_hochberg(values[positions])
    return out


def target_rules(card: pd.DataFrame) -> pd.DataFrame:
    """Which targets colour each indicator's cells of a :func:`scorecard`, so a page can say its rule.

    One row per indicator × (target, direction) among the cells coloured by a target: ``indicator``,
    ``target``, ``target_direction``, ``jurisdictions`` (their codes, sorted), ``main`` (True for the
    target most of the indicator's cells have; ties go to the lower target) and ``partly`` (True when some
    of the indicator's cells have no target and keep the level-average rule). Indicators without any
    target have no row. Sorted by indicator, main first, then target.
    """
    columns = ["indicator", "target", "target_direction", "jurisdictions", "main", "partly"]
    with_target = card[card["colour_rule"].eq("target")] if "colour_rule" in card else card.iloc[0:0]
    if with_target.empty:
        return pd.DataFrame(columns=columns)
    groups = (with_target.groupby(["indicator", "target", "target_direction"], sort=True)["jurisdiction"]
              .agg(lambda codes: tuple(sorted(codes))).reset_index(name="jurisdictions"))
    groups["size"] = groups["jurisdictions"].map(len)
    ranked = groups.sort_values(["indicator", "size", "target"], ascending=[True, False, True], kind="stable")
    groups["main"] = groups.index.isin(ranked.groupby("indicator").head(1).index)
    cells = card.groupby("indicator")["jurisdiction"].size()
    targeted = with_target.groupby("indicator")["jurisdiction"].size()
    groups["partly"] = groups["indicator"].map(targeted < cells.reindex(targeted.index)).astype(bool)
    out = groups.sort_values(["indicator", "main", "target"], ascending=[True, False, True], kind="stable")
    return out[columns].reset_index(drop=True)


REASONS = ("missed", "below", "fall")  # the order reasons are joined in ``reason`` and said on the page


def needs_attention(card: pd.DataFrame) -> pd.DataFrame:
    """The cells of a :func:`scorecard` a leader should look at, largest gap first.

    A cell is listed when it missed its assessment target (``target_status`` 'missed': the whole interval
    on the wrong side), is significantly below the level average ('below') and/or fell significantly
    against its comparison period ('fall'); ``reason`` joins those that hold with '+', in
    :data:`REASONS` order (e.g. 'missed+below'). ``size`` is the largest of the gaps that hold, in
    absolute value (|estimate − target|, |estimate − average|, |change|; proportion or score points,
    never mixed within an indicator). Ties are broken by jurisdiction code and indicator so the order is
    stable.
    """
    missed = card["target_status"].eq("missed") if "target_status" in card else pd.Series(False, index=card.index)
    below = card["vs_average"].eq("below")
    fall = card["direction"].eq("down")
    listed = card[missed | below | fall].copy()
    if listed.empty:
        return listed.assign(reason=pd.Series(dtype=str), size=pd.Series(dtype=float))
    m, b, f = missed[listed.index], below[listed.index], fall[listed.index]
    flags = pd.DataFrame({"missed": m, "below": b, "fall": f})
    listed["reason"] = ["+".join(r for r in REASONS if row[r]) for row in flags.to_dict("records")]
    short = np.where(m, listed["target_gap"].abs() if "target_gap" in listed else 0.0, 0.0)
    gap = np.where(b, listed["gap"].abs(), 0.0)
    drop = np.where(f, listed["change"].abs(), 0.0)
    listed["size"] = np.fmax(np.fmax(short, gap), drop)
    return listed.sort_values(["size", "jurisdiction", "indicator"], ascending=[False, True, True],
                              kind="stable").reset_index(drop=True)


def history(con: Connection, sel: Selection, indicator: str, *,
            periods: int = SPARK_PERIODS) -> pd.DataFrame:
    """The last ``periods`` periods up to ``sel.latest`` of one indicator, per jurisdiction, for sparklines.

    Columns ``jurisdiction``, ``period``, ``estimate`` (NaN where suppressed), in time order. Only
    those periods' months are read.
    """
    if sel.latest is None:
        return pd.DataFrame(columns=["jurisdiction", "period", "estimate"])
    labels = (waves.wave_labels(con) if sel.period_kind == WAVE_KIND  # waves in wave order
              else available_periods(engine.data_months(con), sel.period_kind))
    if sel.latest in labels:
        labels = labels[: labels.index(sel.latest) + 1]
    wanted = labels[-periods:]
    if not wanted:
        return pd.DataFrame(columns=["jurisdiction", "period", "estimate"])
    table = engine.indicator_table(con, sel.with_(periods=tuple(wanted)), indicators=[indicator])
    return table[["jurisdiction", "period", "estimate"]].reset_index(drop=True)
