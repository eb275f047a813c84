"""Case-work metrics per jurisdiction and period: how the police handled residents' own cases.

Every figure is computed in DuckDB (``sql/cases/metrics.sql``) from the current state of each case
(the ``cases`` view: the newest row of a loaded batch per ``case_id``, so later batches update
earlier ones and removing a batch falls back to what the previous batch said). A district or city
figure is aggregated from its stations' case rows, never by averaging station figures. A case
belongs to the period of its ``reported_at``; periods are labelled as in the survey engine
(``2025-03``, ``2025Q1``, ``2025``, ``2025-03R12``, ``all``).

Definitions (base = the denominator ``n``; "closed" means ``status = 'closed'``, so a re-opened case
whose newest row is ``open`` leaves every closed-case base until it is closed again)
--------------------------------------------------------------------------------------------------
* ``solved_rate`` 破案率 = closed crime cases with outcome ``solved`` / closed crime cases with a known
  outcome, where crime cases are the families in :data:`CRIME_CATEGORIES` (or the ``crime_categories``
  given: families or the files' own labels). Open cases, unmapped outcomes ('other'), not_accepted and
  withdrawn are not in the base (a recent period therefore looks better until its hard cases close).
* ``small_solved_rate`` 小案破案率 = the same restricted to ``is_small``.
* ``response_hours_median`` / ``response_hours_p90``: hours from ``reported_at`` to
  ``first_response_at``; base = cases (any status) with both times and a non-negative difference.
* ``close_days_median`` / ``close_days_p90``: days from ``reported_at`` to ``closed_at``; base =
  closed cases with both times and a non-negative difference.
* ``mediation_rate`` 调结率 = closed disputes with a mediation agreement / closed disputes
  (agreement = ``mediation_agreed``; when that is NULL, ``outcome = 'mediated'``; mediation_failed is in
  the base, and when ``mediation_agreed`` is NULL the outcomes 'other', not_accepted and withdrawn are not).
* No data: a metric whose source field no loaded batch gave (``batch_fields``) for the jurisdiction and
  period, or whose base is empty, has flag 'no_data' and no value (not 0%, not 'suppressed').
* ``callback_coverage`` 回访率 = closed cases with a callback (``callback_at`` or ``callback_result``
  set) / closed cases.
* ``callback_satisfaction`` 回访满意率 = (satisfied + w · basically_satisfied) / closed cases with a
  callback result, where w is the ``basic_satisfied_weight`` setting (default 1: 基本满意 counts as
  satisfied, the usual 满意率 convention; 0.5 gives half credit).
* ``petition_on_time`` 信访按期答复率 = petitions closed (answered) within ``petition_deadline_days``
  (setting, default 30) days of ``reported_at`` / petitions due, where a petition is due when it was
  answered on time or its deadline has passed by the as-of time (so petitions still inside their
  deadline are not yet counted either way).
* ``rectification_rate`` 整改率 = dissatisfied callbacks rectified / dissatisfied callbacks (any
  current status; rectified = ``rectification_status = 'rectified'`` or ``rectified_at`` set).
  Recent periods are lower because rectification takes time.
* ``rectify_days_median`` 整改用时中位数: days from ``callback_at`` to ``rectified_at`` over the
  rectified dissatisfied callbacks (callbacks still pending are not in it: read it together with
  ``rectification_rate`` and :func:`open_loop`).

The as-of time is the latest timestamp any case row carries (:func:`latest_data_time`), not the
clock: deadlines and waiting times are measured against the data, so re-running later gives the
same figures.

Methods
-------
* Rates: p = x/n with the Wilson score interval (Wilson 1927; Agresti & Coull 1998) at the
  ``confidence_level`` setting; se = sqrt(p(1-p)/n) (exact for 0/1 scores, conservative when a
  basically-satisfied callback scores between 0 and 1). Case records are a census of the cases, so
  the interval describes the uncertainty of the underlying rate as a process, not sampling error.
* Durations: median and 90th percentile with linear interpolation between order statistics
  (DuckDB ``quantile_cont``; Hyndman & Fan 1996 definition 7, numpy's default); no interval.
* Small bases: the same settings as surveys — ``flag`` is 'suppressed' when n is below
  ``suppress_below_n_eff`` and 'caution' below ``caution_below_n_eff``; suppressed rows carry no
  value, se or interval (NaN), for durations as for rates (a median of a handful of cases
  describes individual residents).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics import stats
from analytics import vocabulary as F
from analytics.auth import visible_codes
from analytics.choices import METRICS, Metric  # noqa: F401  (re-exported: cases.METRICS, cases.Metric)
from analytics.db import Connection, query_df
from analytics.engine import jurisdictions, scope_codes
from analytics.errors import UnknownNameError
from analytics.i18n import t
from analytics.periods import CALENDAR_KINDS, label_for, parse_period
from analytics.presentation import natural_order, rate_cell
from analytics.selection import Selection
from analytics.store import get_setting

CATEGORY_KEYS: tuple[str, ...] = F.CATEGORIES
# Families a crime clearance (破案率) is computed over by default; any list of families or a file's own
# category labels can be chosen instead (``crime_categories``, :func:`outcome_rate`).
CRIME_CATEGORIES: tuple[str, ...] = ("theft", "fraud", "burglary", "robbery", "violence", "drugs")
OUTCOME_KEYS: tuple[str, ...] = F.OUTCOMES
NO_DATA = "no_data"
NO_DATA_MARK = "—"

CASE_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "level", "period", "period_start", "period_end", "metric",
    "unit", "n", "value", "se", "ci_low", "ci_high", "flag",
]


RATE_METRICS = tuple(k for k, m in METRICS.items() if m.unit == "rate")


def _check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise UnknownNameError(f"Unknown {what} {value!r}; choose one of: {', '.join(allowed)}")


def latest_data_time(con: Connection) -> datetime | None:
    """The latest timestamp in any current case row (report, response, close, callback, rectification).

    This is the "as of" time of deadlines and waiting times; None when there are no cases.
    """
    frame = query_df(con, "cases/as_of")
    value = frame["as_of"].iloc[0] if not frame.empty else None
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def case_months(con: Connection) -> list[date]:
    """The months (first days) in which cases were reported, in order."""
    frame = query_df(con, "cases/months")
    return [pd.Timestamp(v).date() for v in frame["month"]]


def case_metrics(
    con: Connection,
    sel: Selection,
    *,
    metrics: Sequence[str] | None = None,
    as_of: datetime | None = None,
    crime_categories: Sequence[str] | None = None,
    solved_outcomes: Sequence[str] = ("solved",),
) -> pd.DataFrame:
    """Case metrics for ``sel`` in the tidy shape ``CASE_COLUMNS``: one row per jurisdiction x period x metric.

    Rows are the jurisdictions at ``sel.level`` (narrowed to ``sel.jurisdiction_codes`` and to what
    ``sel.user`` may see) in the periods ``sel.periods`` of ``sel.period_kind`` (empty: every period
    with cases); ``sel.weighted`` and ``sel.comparison`` do not apply to case counts.
    ``n`` is the metric's base (cases), ``value`` a proportion in [0, 1] for unit 'rate', hours or
    days for the duration metrics; ``ci_low``/``ci_high``/``se`` exist for rates only. ``as_of``
    (default :func:`latest_data_time`) decides which petitions are due. Jurisdictions without any
    case in a period have no rows. A metric has flag 'no_data' (value NaN, never 0) when no loaded batch
    behind the jurisdiction's cases of the period gave its source field (e.g. no callback column) or its
    base is empty (n = 0). ``crime_categories`` (families or the files' own labels; default
    :data:`CRIME_CATEGORIES`) and ``solved_outcomes`` (outcome families; default solved) define
    ``solved_rate`` and ``small_solved_rate``.
    """
    # Case records have no survey waves: only calendar periods.
    _check_choice(sel.period_kind, CALENDAR_KINDS, "period granularity")
    for key in metrics or ():
        _check_choice(key, list(METRICS), "case metric")
    if as_of is None:
        as_of = latest_data_time(con)
    # The SQL filters on the periods' first days (a range); a non-contiguous choice is narrowed below.
    starts = [parse_period(label)[1] for label in sel.periods if label != "all"]
    raw = query_df(con, "cases/metrics", {
        "level": sel.level,
        "period_kind": sel.period_kind,
        "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
        "date_from": min(starts) if starts else None,
        "date_to": max(starts) if starts else None,
        "as_of": as_of,
        "deadline_days": int(get_setting(con, "petition_deadline_days")),
        "basic_weight": float(get_setting(con, "basic_satisfied_weight")),
        "crime_categories": list(CRIME_CATEGORIES if crime_categories is None else crime_categories),
        "solved_outcomes": list(solved_outcomes),
    })
    if starts:
        raw = raw[raw["period"].isin(list(sel.periods))]
    if metrics:
        raw = raw[raw["metric"].isin(list(metrics))]
    if raw.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    return _finish(con, raw, level=sel.level)


def _finish(con: Connection, raw: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """Values, Wilson intervals, flags and suppression for the long SQL result (vectorised)."""
    out = raw.copy()
    n = out["n"].to_numpy(dtype=float)
    x = out["x"].to_numpy(dtype=float)
    is_rate = out["unit"].eq("rate").to_numpy()
    conf = float(get_setting(con, "confidence_level"))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(is_rate & (n > 0), x / n, np.nan)
        low, high = stats.wilson_interval(np.where(is_rate, x, np.nan), np.where(is_rate, n, np.nan), conf)
        se = np.sqrt(p * (1.0 - p) / n)
    out["value"] = np.where(is_rate, p, out["value"].to_numpy(dtype=float))
    out["se"] = np.where(is_rate, se, np.nan)
    out["ci_low"] = low
    out["ci_high"] = high
    out["flag"] = stats.small_base_flag(
        n, float(get_setting(con, "suppress_below_n_eff")), float(get_setting(con, "caution_below_n_eff")))
    # No source field, or nothing in the base: "no data", which is neither 0% nor a small sample.
    out.loc[~out["has_data"].astype(bool) | (out["n"] == 0), "flag"] = NO_DATA
    # A duration with a base but no value cannot occur; a rate with n = 0 is already NaN.
    suppressed = out["flag"].isin(["suppressed", NO_DATA])
    out.loc[suppressed, ["value", "se", "ci_low", "ci_high"]] = np.nan
    out["n"] = out["n"].astype("int64")
    names = jurisdictions(con).set_index("code")[["name_zh", "name_en", "level"]]
    out = out.join(names, on="jurisdiction")
    out["level"] = out["level"].fillna(level)
    order = {key: i for i, key in enumerate(METRICS)}
    out["_order"] = out["metric"].map(order)
    out = out.sort_values(["_order", "jurisdiction", "period_start"], key=natural_order)
    return out[CASE_COLUMNS].reset_index(drop=True)


def outcome_rate(
    con: Connection,
    sel: Selection,
    categories: Sequence[str],
    outcomes: Sequence[str],
) -> pd.DataFrame:
    """A clearance or outcome rate over chosen categories for ``sel``, in the shape ``CASE_COLUMNS``
    (metric 'outcome_rate').

    Rate = closed cases of ``categories`` whose outcome family is in ``outcomes`` / closed cases of
    ``categories`` with a known outcome (unmapped 'other', not accepted and withdrawn are left out of the
    base, as for ``solved_rate``). ``categories`` are families (theft, violence, ...) or the files' own
    labels; e.g. an all-crime arrest rate is ``outcome_rate(con, sel, CRIME_CATEGORIES, ["solved"])``.
    """
    if not categories or not outcomes:
        raise UnknownNameError("Choose at least one category and one outcome for an outcome rate.")
    for key in outcomes:
        _check_choice(key, OUTCOME_KEYS, "outcome family")
    table = case_metrics(con, sel, metrics=["solved_rate"], crime_categories=list(categories),
                         solved_outcomes=list(outcomes))
    return table.assign(metric="outcome_rate")


def open_loop(con: Connection, sel: Selection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Dissatisfied callbacks not yet rectified, oldest callback first, with days waited.

    One row per case: ``jurisdiction`` (at ``sel.level``, narrowed to ``sel.jurisdiction_codes``) and its
    names, the ``station``, ``case_id``, category, status, report/close/callback times and ``days_waited``
    = days from the callback to ``as_of`` (default :func:`latest_data_time`; NaN when the callback time is
    missing), and the ``as_of`` time itself on every row. Every case still open counts, whatever
    ``sel.periods``. A scoped ``sel.user`` sees only the cases of its own subtree's stations (case rows are
    never shown from above, whatever the level).
    """
    if as_of is None:
        as_of = latest_data_time(con)
    visible = visible_codes(con, sel.user)
    return query_df(con, "cases/open_loop", {
        "level": sel.level,
        "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
        "stations": sorted(visible) if visible is not None else None,
        "as_of": as_of,
    })


def open_loop_summary(con: Connection, sel: Selection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Per jurisdiction at ``sel.level``: dissatisfied callbacks ever, still pending, oldest and median wait (days).

    Jurisdictions with no dissatisfied callback at all have no row. Sorted by pending, then oldest.
    A scoped ``sel.user`` gets only the jurisdictions it may see; ``sel.periods`` does not apply.
    """
    if as_of is None:
        as_of = latest_data_time(con)
    return query_df(con, "cases/open_loop_summary", {
        "level": sel.level,
        "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
        "as_of": as_of,
    })


# --------------------------------------------------------------------------------------------------
# Plain-language formatting (shared by pages and reports)
# --------------------------------------------------------------------------------------------------


def metric_definition(con: Connection, key: str, lang: str) -> str:
    """The metric's definition in ``lang``, with the current settings filled in."""
    return t(f"metricdef.{key}", lang, weight=f"{float(get_setting(con, 'basic_satisfied_weight')):g}",
             days=int(get_setting(con, "petition_deadline_days")))


def format_value(value: float, unit: str, lang: str) -> str:
    """A metric value as text: '78.3%' for rates, '5.2 h' / '3.1 days' for durations; '' if missing."""
    if value is None or not np.isfinite(value):
        return ""
    if unit == "rate":
        return f"{100 * value:.1f}%"
    return f"{value:.1f} {t(f'unit.{unit}', lang)}"


def metric_cell(row: dict | pd.Series, lang: str) -> str:
    """One scorecard cell: rates as '78.3% (74.1–82.0) n=412', durations as '5.2 h n=300'.

    Suppressed values print the catalog's 'suppressed' label with the base, never a number; a metric
    without data prints "—" (pages add the catalog's ``flag.no_data`` as its tooltip).
    """
    if row["flag"] == NO_DATA:
        return NO_DATA_MARK
    if row["unit"] == "rate":
        return rate_cell({"n": row["n"], "flag": row["flag"], "estimate": row["value"],
                          "ci_low": row["ci_low"], "ci_high": row["ci_high"]}, lang)
    n = int(row["n"])
    if row["flag"] == "suppressed" or not np.isfinite(row["value"]):
        return f"{t('flag.suppressed_short', lang)} (n={n})"
    text = f"{format_value(row['value'], row['unit'], lang)} n={n}"
    return text + " ⚠" if row["flag"] == "caution" else text


# A scorecard column (one metric) with more than this share of its cells suppressed: the page offers the
# rolling 12 months instead.
MOSTLY_SUPPRESSED = 0.5


def suppressed_share(table: pd.DataFrame) -> float:
    """The share of a scorecard's cells (rows of :func:`case_metrics`) that are suppressed, among those with
    data (a 'no data' cell is not a small base). 0.0 for an empty table."""
    with_data = table[table["flag"] != NO_DATA]
    return float(with_data["flag"].eq("suppressed").mean()) if len(with_data) else 0.0


def mostly_suppressed(table: pd.DataFrame) -> list[str]:
    """The metrics (in :data:`METRICS` order) most of whose cells in a one-period scorecard (rows of
    :func:`case_metrics`) are suppressed, among the cells with data."""
    return [key for key in METRICS if suppressed_share(table[table["metric"] == key]) > MOSTLY_SUPPRESSED]


def offer_rolling(table: pd.DataFrame, period_kind: str) -> bool:
    """Whether a scorecard of one month or quarter has metrics whose cells are mostly suppressed, so the page
    offers the rolling 12 months (whose bases are 4 to 12 times larger) instead."""
    return period_kind in ("month", "quarter") and bool(mostly_suppressed(table))


def rolling_window(period: str) -> str:
    """The rolling 12-month window (label, e.g. '2026-09R12') ending with the last month of ``period``
    (a month, quarter or year label)."""
    _kind, _first, last = parse_period(period)
    return label_for("rolling12", last.replace(day=1))
