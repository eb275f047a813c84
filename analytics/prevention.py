"""Prevention work per jurisdiction and period: disputes and 民转刑, hazards, callbacks on unsolved cases.

Every figure is computed in DuckDB (``sql/prevention/*.sql``) from the current state of each record (the
``disputes`` and ``hazards`` views: newest loaded batch per id, as for cases). A district or city figure
is aggregated from its stations' records, never by averaging station figures.

Definitions (n = the base)
--------------------------
* ``disputes_found``: disputes found in the period (by found date); ``disputes_mediated``: of them, result
  ``mediated``.
* ``mediation_rate`` 调结率 = mediated / disputes with a final result (mediated or failed); pending,
  referred and unmapped results are not in the base.
* **Escalation** (民转刑): a dispute escalates when a crime case (:data:`CRIME_CATEGORIES`, or the
  categories given: families or the files' own labels) is reported on or after the day it was found and
  within ``escalation_window_days`` (setting, default 180) days, and the case either involves one of
  its parties -- the case's reporter key (``reporter_hash``) equals one of the dispute's party keys,
  both HMAC-hashed the same way (:mod:`analytics.ingest.pii`) -- or names the dispute id
  (``dispute_ref``). The case may be in any jurisdiction; the escalation counts for the dispute's.
* ``escalations``: disputes found in the period that escalated (so far).
* ``escalation_rate`` 民转刑率 = escalated / disputes whose whole window has passed by the as-of day
  (a dispute found last week has not had its chance to escalate, so it is not in the base yet).
* ``hazards_found``; ``hazards_rectified`` (by the as-of day); ``hazards_overdue``: deadline passed
  and not rectified as of the as-of day.
* ``rectified_on_time_rate`` = rectified on or before the deadline / hazards with a deadline that is
  past or that were rectified (hazards still inside their deadline are not counted either way).
* ``rectify_days_median``: days from found to rectified, over the rectified hazards.
* ``unsolved_cases``: crime cases with outcome ``unsolved`` or still open without an outcome, by
  report date. ``unsolved_callback_coverage`` = those with a callback / all of them;
  ``unsolved_callback_on_time`` = called back within ``unsolved_callback_days`` (setting, default 30) /
  those called back or past that deadline; ``unsolved_callback_days_median``: report to callback;
  ``unsolved_opinion_coverage`` (征求意见) = those whose reporter was asked for opinions and suggestions /
  those called back whose file says whether opinions were asked (a case file that gives the opinion text
  says yes). The opinions themselves are stored only redacted, as callback comments tagged with topics
  like every comment (:func:`unsolved_opinions`, :func:`opinion_topics`).

The as-of day is the latest date any dispute, hazard or case row carries (:func:`as_of_date`), not the
clock. Rates carry a Wilson interval at the ``confidence_level`` setting and the same small-base flags
as everything else (records are a census, so the interval describes the rate as a process); counts and
medians carry no interval. Person keys are never returned: :func:`escalations` selects ids, dates and
jurisdictions only, and only for roles with ``record_detail`` (analyst, admin).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from analytics import stats
from analytics.auth import visible_codes
from analytics.cases import CRIME_CATEGORIES, NO_DATA
from analytics.db import Connection, query_df
from analytics.engine import jurisdictions, scope_codes
from analytics.selection import Selection
from analytics.store import get_setting

METRICS = ("disputes_found", "disputes_mediated", "mediation_rate", "escalations", "escalation_rate",
           "hazards_found", "hazards_rectified", "rectified_on_time_rate", "hazards_overdue", "rectify_days_median",
           "unsolved_cases", "unsolved_callback_coverage", "unsolved_callback_on_time",
           "unsolved_callback_days_median", "unsolved_opinion_coverage")
COUNT_METRICS = ("disputes_found", "disputes_mediated", "escalations", "hazards_found", "hazards_rectified",
                 "hazards_overdue", "unsolved_cases")
COLUMNS = ["jurisdiction", "name_zh", "name_en", "period", "period_start", "period_end", "metric", "unit", "n",
           "x", "value", "ci_low", "ci_high", "flag"]


def as_of_date(con: Connection) -> date | None:
    """The latest date any dispute, hazard or case row carries (None when there is none)."""
    frame = query_df(con, "prevention/as_of")
    value = frame["as_of"].iloc[0] if not frame.empty else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _params(con: Connection, sel: Selection, as_of: date | None, window_days: int | None,
            crime_categories: Sequence[str] | None) -> dict:
    visible = visible_codes(con, sel.user)
    return {
        "level": sel.level,
        "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
        "stations": sorted(visible) if visible is not None else None,
        "date_from": sel.date_from,
        "date_to": sel.date_to,
        "as_of": as_of if as_of is not None else (as_of_date(con) or date.today()),
        "window_days": int(window_days if window_days is not None else get_setting(con, "escalation_window_days")),
        "crime_categories": list(CRIME_CATEGORIES if crime_categories is None else crime_categories),
    }


def prevention_metrics(con: Connection, sel: Selection, *, metrics: Sequence[str] | None = None,
                       as_of: date | None = None, window_days: int | None = None,
                       crime_categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Prevention metrics in tidy form (:data:`COLUMNS`): one row per jurisdiction x period x metric.

    ``n`` is the base (records), ``x`` the numerator of a rate, ``value`` a proportion in [0, 1] for
    unit 'rate', a count for 'count', days for 'days'. Rates below the suppression base carry no value or
    interval (flag 'suppressed'); counts are always shown (they are counts, not estimates). Everyone may
    see the figures of the jurisdictions ``sel.user`` may see.
    """
    params = _params(con, sel, as_of, window_days, crime_categories)
    raw = query_df(con, "prevention/metrics", {
        **params, "period_kind": sel.period_kind, "callback_days": int(get_setting(con, "unsolved_callback_days"))})
    if metrics:
        raw = raw[raw["metric"].isin(list(metrics))]
    if raw.empty:
        return pd.DataFrame(columns=COLUMNS)
    out = raw.copy()
    n = out["n"].to_numpy(dtype=float)
    x = out["x"].to_numpy(dtype=float)
    is_rate = out["unit"].eq("rate").to_numpy()
    conf = float(get_setting(con, "confidence_level"))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(is_rate & (n > 0), x / n, np.nan)
    low, high = stats.wilson_interval(np.where(is_rate, x, np.nan), np.where(is_rate, n, np.nan), conf)
    out["value"] = np.where(is_rate, p, out["value"].to_numpy(dtype=float))
    out["ci_low"], out["ci_high"] = low, high
    flags = stats.small_base_flag(n, float(get_setting(con, "suppress_below_n_eff")),
                                  float(get_setting(con, "caution_below_n_eff")))
    # Counts are a census and always shown; rates and medians follow the small-base rule.
    out["flag"] = np.where(out["unit"].eq("count").to_numpy(), "ok", flags)
    out.loc[out["n"] == 0, "flag"] = NO_DATA
    hidden = out["flag"].isin(["suppressed", NO_DATA])
    out.loc[hidden, ["value", "ci_low", "ci_high"]] = np.nan
    out["n"] = out["n"].astype("int64")
    names = jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
    out = out.join(names, on="jurisdiction")
    out["_order"] = out["metric"].map({key: i for i, key in enumerate(METRICS)})
    out = out.sort_values(["_order", "jurisdiction", "period_start"])
    return out[COLUMNS].reset_index(drop=True)


def escalations(con: Connection, sel: Selection, *, window_days: int | None = None,
                crime_categories: Sequence[str] | None = None) -> pd.DataFrame:
    """The escalation list (民转刑): one row per (dispute, case), oldest dispute first; ids, dates,
    jurisdictions and how they were linked ('person', 'reference', 'both') -- never a person key.

    Record-level detail: AccessDenied unless ``sel.user`` has ``record_detail`` (analyst, admin);
    leaders and stations see the counts of :func:`prevention_metrics`.
    """
    sel.user.require("record_detail")
    params = _params(con, sel, None, window_days, crime_categories)
    params.pop("as_of")
    return query_df(con, "prevention/escalations", params)


def overdue_hazards(con: Connection, sel: Selection, *, as_of: date | None = None) -> pd.DataFrame:
    """Hazards overdue as of ``as_of`` (default :func:`as_of_date`), longest overdue first.

    Like the open loop of callbacks: hazard id, place category, severity, found date, deadline and days
    overdue; no person data is involved, so every role sees the rows of the jurisdictions it may see.
    """
    params = _params(con, sel, as_of, None, None)
    return query_df(con, "prevention/overdue", {k: params[k] for k in ("level", "jurisdictions", "stations",
                                                                        "as_of")})


def unsolved_opinions(con: Connection, sel: Selection) -> pd.DataFrame:
    """Opinions collected in callbacks on unsolved cases, newest first: case id, station, callback day,
    redacted text, lexicon tone, topics and the words that caused them.

    Residents' words: AccessDenied unless ``sel.user`` has ``record_detail`` (analyst, admin); others see
    :func:`opinion_topics`.
    """
    sel.user.require("record_detail")
    params = _params(con, sel, None, None, None)
    return query_df(con, "prevention/opinions", {k: params[k] for k in (
        "level", "jurisdictions", "stations", "date_from", "date_to", "crime_categories")})


def opinion_topics(con: Connection, sel: Selection) -> pd.DataFrame:
    """Topics of the opinions collected on unsolved cases per jurisdiction (``jurisdiction, topic, n``):
    counts only, for every role, within what ``sel.user`` may see."""
    params = _params(con, sel, None, None, None)
    return query_df(con, "prevention/opinion_topics", {k: params[k] for k in (
        "level", "jurisdictions", "stations", "date_from", "date_to", "crime_categories")})
