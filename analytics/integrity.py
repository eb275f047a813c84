"""Response integrity: coached, duplicated and fabricated answers, found before they reach a ranking.

Eight checks, each per unit (a jurisdiction at the chosen level, or an interviewer or channel within one)
for one period, each with a stated null model and a p-value, Benjamini–Hochberg adjusted (1995) across
the units of that check and unit kind — all units at the level, before any narrowing to the jurisdictions
a user asked for or may see, so every user sees the same q-value for the same unit. DuckDB aggregates the
respondents and cases (``analytics/sql/integrity/``); what reaches Python is one row per unit.

Null models and scores
----------------------
1. ``straight_lining`` — a straight-liner answers 4+ ordinal items (5-point, 3-level, 0–10 ...) and every
   one of them at the top code. *Jurisdictions*: under item independence with the unit's own item-level top
   shares a respondent straight-lines with probability ∏ p_item; real items correlate, so the null is that
   the excess over independence, R = observed / expected-under-independence, is the city's (computed
   leaving the unit out). Expected = R · Σ∏p; p-value = P(X ≥ k), X ~ Binomial(n, expected / n).
   Score: observed / expected. *Interviewers*: the null is that an interviewer's respondents straight-line
   as often as the other interviewers' respondents in the same unit; one-sided Fisher exact test (the
   hypergeometric upper tail).
2. ``burst`` — the most top answers ("very satisfied" on the satisfaction item) starting within any
   :data:`WINDOW_MIN` minutes, per interviewer, channel and unit (a scan statistic). Null: the unit's n
   top-answer interviews fall uniformly (a Poisson process) over its working time, T = days with an
   interview × :data:`WORKDAY_HOURS`; p-value from Alm's (1983) approximation for the scan statistic
   of a Poisson process (Glaz, Naus & Wallenstein 2001, ch. 2). Score: the window's count / its expectation.
3. ``duration`` — an interview shorter than :data:`SEC_PER_ITEM` seconds per substantive answer cannot
   have been read out. Null: a unit's interviews are too short as often as the rest of the city's (an
   interviewer's as the rest of its unit's); one-sided Fisher exact. Needs start and end, or a duration.
4. ``repeat`` — the same person key (the keyed hash of the phone or ID number) interviewed again in the
   period, in any batch. Null: the city's repeat rate; one-sided Fisher exact, unit against the rest.
5. ``interviewer`` — interviewer effects on satisfaction within a unit. *Interviewers*: null that the
   interviewer's respondents are satisfied as often as the unit's; two-sided hypergeometric test (Fisher),
   score the difference from the other interviewers. *Jurisdictions* (2+ interviewers with 5+ answers):
   Pearson's X² across interviewers against the unit's pooled rate, χ² with m − 1 df (over-dispersion,
   φ = X²/df), and the intra-interviewer correlation (ANOVA estimator) as evidence.
6. ``too_perfect`` — satisfaction too stable over the last :data:`HISTORY_PERIODS` periods: Pearson's X²
   of the period rates against their pooled rate is χ² with T − 1 df under binomial sampling; a *small*
   X² (lower tail) means less variation than sampling alone gives — the 99.9% ceiling. Score φ = X²/df.
7. ``self_report_gap`` — the station's own callback satisfaction against the independent survey
   (:func:`analytics.link.self_report_gap`: excess over the median gap, z-test, BH).
8. ``callback_selection`` — among cases closed in the period, whether a callback was made should not depend
   on the outcome. Null: the callback rate is the same for every outcome family (with 5+ closed cases),
   Pearson's χ² on the outcome × callback table (df = families − 1). Score: callback rate of good outcomes
   (solved, mediated, answered) minus that of the others.

Flags: ``alert`` when q < :data:`ALERT_Q` and the effect is large enough to matter (:data:`MIN_EFFECT`);
``watch`` when q < :data:`WATCH_Q`; else ``ok``. The self-report gap is at most ``watch`` (the instruments
differ, so a gap is a signal, not proof), and it and callback selection count only in the suspicious
direction (self-report above the survey; callbacks favouring good outcomes). A check without the data it
needs (no timestamps, no interviewers, no cases) gives no rows, never ``ok``.

Respondent rows behind a flag are for analysts and admins (permission ``integrity``); leaders and station
users see the flags and evidence only. Excluding flagged respondents affects only the sensitivity view
(:func:`sensitivity_table` on Compare, :func:`assessment_sensitivity` for the assessment ranking), is audited,
listed and restorable (:func:`restore`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

from analytics import assessment, db, engine, link, stats
from analytics.db import Connection, execute, fetch_all, fetch_one
from analytics.errors import UnknownNameError
from analytics.i18n import t
from analytics.periods import WAVE_KIND, parse_period, previous_period
from analytics.presentation import community_names
from analytics.result import Result
from analytics.selection import Selection
from analytics.sqlfiles import load_sql, used_params
from analytics.store import audit, bump_data_version, transaction

CHECKS = ("straight_lining", "burst", "duration", "repeat", "interviewer", "too_perfect", "self_report_gap",
          "callback_selection")
# Checks whose flags name respondents (what an analyst may exclude from the sensitivity view).
RESPONDENT_CHECKS = ("straight_lining", "burst", "duration", "repeat")
FLAGS = ("ok", "watch", "alert")
ALERT_Q = 0.01
WATCH_Q = 0.05
SEC_PER_ITEM = 6.0      # seconds: reading out a question and hearing the answer takes longer than this
WINDOW_MIN = 30         # minutes: the burst window
WORKDAY_HOURS = 10.0    # hours a unit interviews on a day it interviews at all (the burst null's time)
HISTORY_PERIODS = 8     # periods (this one and the 7 before) the too-perfect check looks at
MIN_INTERVIEWER_N = 5   # answers an interviewer needs to enter the over-dispersion test
MIN_OUTCOME_CLOSED = 5  # closed cases an outcome family needs to enter the callback test
GOOD_OUTCOMES = ("solved", "mediated", "answered")
# Smallest effect that may raise an alert (a tiny excess in a huge sample is real but not a problem):
MIN_EFFECT = {
    "straight_lining": 1.5,      # observed / expected straight-liners
    "burst": 3.0,                # window count / its expectation
    "duration": 0.05,            # share of too-short interviews above the reference share
    "repeat": 0.02,              # share of repeat interviews above the reference share
    "interviewer": 0.10,         # |interviewer rate − others' rate|; for units: φ ≥ 1 + this · 10
    "too_perfect": 0.0,          # any significant lack of variation
    "self_report_gap": 0.10,     # excess gap (link.GAP_THRESHOLD)
    "callback_selection": 0.10,  # callback rate of good outcomes − of the others
}
FLAG_COLUMNS = ["check", "unit_kind", "jurisdiction", "name_zh", "name_en", "unit", "n", "observed", "expected",
                "score", "p_value", "q_value", "flag", "evidence_key", "evidence_params"]
SUMMARY_COLUMNS = ["jurisdiction", "name_zh", "name_en", "flag", *CHECKS]
SENSITIVITY_COLUMNS = ["jurisdiction", "name_zh", "name_en", "n", "estimate", "rank", "n_excluded", "n_kept",
                       "estimate_kept", "rank_kept", "rank_change"]
ASSESSMENT_SENSITIVITY_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "period", "n_excluded",
    "score", "ci_low", "ci_high", "rank", "rank_low", "rank_high", "apart_from_next",
    "score_kept", "ci_low_kept", "ci_high_kept", "rank_kept", "rank_low_kept", "rank_high_kept", "apart_from_next_kept",
    "score_change", "rank_change", "rank_kept_outside_interval"]
# station: the respondent's station (the one above it when it was coded to a village or community); community and
# its names: that village or community, empty for a station's own respondents.
ROW_COLUMNS = ["respondent_key", "respondent_id", "batch_id", "unit", "station", "community", "community_name_zh",
               "community_name_en", "interviewer", "channel", "interview_date", "interview_start", "duration_min",
               "n_items", "n_top", "straight", "sat_top", "too_fast", "is_repeat", "f_straight", "f_duration",
               "f_repeat", "f_burst", "excluded"]
# The respondent list and the exclusions list as the Integrity page and ``integrity rows|exclusions`` show them
# (:func:`rows_shown`, :func:`exclusions_shown`): no respondent key, the village by name in one column.
ROW_SHOWN_COLUMNS = [c for c in ROW_COLUMNS if c not in ("respondent_key", "community_name_zh", "community_name_en")]
EXCLUSION_SHOWN_COLUMNS = ["exclusion_id", "respondent_id", "batch_id", "station", "community", "interview_date",
                           "period", "reason", "excluded_by", "excluded_at", "restored_by", "restored_at", "active"]
_FAR_PAST = dt.date(1900, 1, 1)
_FAR_FUTURE = dt.date(2999, 12, 31)


# --------------------------------------------------------------------------------------------------
# Tests (pure numpy/scipy: the simulations in tests/data/test_integrity.py call these directly)
# --------------------------------------------------------------------------------------------------


def fisher_upper(k: ArrayLike, n: ArrayLike, k_total: ArrayLike, n_total: ArrayLike) -> np.ndarray:
    """One-sided Fisher exact p-value P(X ≥ k) for a unit with ``k`` of ``n`` marked, when ``k_total`` of
    ``n_total`` are marked in the unit and its reference together (hypergeometric upper tail).
    nan where the unit is empty or is the whole population (no reference to compare with)."""
    k, n, kt, nt = (np.asarray(v, dtype=float) for v in (k, n, k_total, n_total))
    with np.errstate(invalid="ignore"):
        p = sps.hypergeom.sf(k - 1, nt, kt, n)
    return np.where((n > 0) & (nt > n), np.clip(p, 0.0, 1.0), np.nan)


def fisher_two_sided(k: ArrayLike, n: ArrayLike, k_total: ArrayLike, n_total: ArrayLike) -> np.ndarray:
    """Two-sided hypergeometric p-value (twice the smaller tail, capped at 1), same arguments as
    :func:`fisher_upper`."""
    k, n, kt, nt = (np.asarray(v, dtype=float) for v in (k, n, k_total, n_total))
    with np.errstate(invalid="ignore"):
        upper = sps.hypergeom.sf(k - 1, nt, kt, n)
        lower = sps.hypergeom.cdf(k, nt, kt, n)
    p = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    return np.where((n > 0) & (nt > n), p, np.nan)


def _poisson_loglog(k: np.ndarray, e: np.ndarray, iterations: int = 25) -> tuple[float, float]:
    """Fit log E[k] = a + b·log e by Poisson maximum likelihood (Newton–Raphson; a handful of units)."""
    x = np.log(e)
    a, b = float(np.log(max(k.sum(), 0.5) / e.sum())), 1.0
    for _ in range(iterations):
        mu = np.exp(a + b * x)
        grad = np.array([np.sum(k - mu), np.sum((k - mu) * x)])
        hess = np.array([[np.sum(mu), np.sum(mu * x)], [np.sum(mu * x), np.sum(mu * x * x)]])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        a, b = a + step[0], b + step[1]
        if np.max(np.abs(step)) < 1e-9:
            break
    return a, b


def straight_lining_test(k: ArrayLike, n: ArrayLike, expected_indep: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Straight-liners ``k`` of ``n`` per unit against ``expected_indep`` (the number expected if the unit's items
    were answered independently with its own item-level top shares): returns (expected, one-sided p-value).

    Real items correlate, so straight-lining exceeds independence everywhere, and more so where top shares
    are low. The null is the city's relation between the two: log E[k] = a + b·log e, fitted by Poisson
    regression on the *other* units (leave-one-out, so a unit does not hide its own excess; with items
    truly independent a = 0 and b = 1). p = P(X ≥ k) with X ~ Binomial(n, expected / n). nan with fewer
    than 3 other units or no straight-liner among them."""
    k, n, e = (np.asarray(v, dtype=float) for v in (k, n, expected_indep))
    expected = np.full(len(k), np.nan)
    usable = (n > 0) & (e > 0)
    for i in np.flatnonzero(usable):
        others = usable.copy()
        others[i] = False
        if others.sum() < 3 or k[others].sum() <= 0:
            continue
        a, b = _poisson_loglog(k[others], e[others])
        expected[i] = np.exp(a + b * np.log(e[i]))
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.clip(expected / n, 0.0, 1.0)
        p = sps.binom.sf(k - 1, n, prob)
    return expected, np.where(np.isfinite(expected), p, np.nan)


def scan_pvalue(k: ArrayLike, n_events: ArrayLike, total_hours: ArrayLike,
                window_hours: float = WINDOW_MIN / 60) -> np.ndarray:
    """P(some window of ``window_hours`` holds ≥ k of ``n_events`` events) for a Poisson process of rate
    n / T over ``total_hours`` T: Alm's (1983) approximation
    1 − F(k−1; ψ)·exp(−(k − ψ)/k · λ(T − w) · p(k−1; ψ)), ψ = λw, with F and p the Poisson cdf and pmf.
    nan without events or time; 1 when k ≤ ψ (no more than expected)."""
    k, n, T = (np.asarray(v, dtype=float) for v in (k, n_events, total_hours))
    w = float(window_hours)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = n / T
        psi = lam * w
        tail = sps.poisson.cdf(k - 1, psi) * np.exp(
            -(k - psi) / k * lam * np.maximum(T - w, 0.0) * sps.poisson.pmf(k - 1, psi))
        p = np.clip(1.0 - tail, 0.0, 1.0)
    p = np.where(k <= psi, 1.0, p)
    return np.where((n > 0) & (T > 0) & (k > 0), p, np.nan)


def dispersion_test(x: ArrayLike, n: ArrayLike) -> tuple[float, int, float, float]:
    """Pearson's X² of counts ``x`` of ``n`` against their pooled rate: (X², df, upper p, lower p).

    Under binomial sampling with one common rate X² is χ² with len − 1 df; the upper tail is over-dispersion,
    the lower tail variation *below* what sampling gives (too perfect). nan when df < 1 or the pooled rate is
    0 or 1 (no variation possible)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    keep = n > 0
    x, n = x[keep], n[keep]
    df = len(n) - 1
    pooled = x.sum() / n.sum() if n.sum() > 0 else np.nan
    if df < 1 or not 0 < pooled < 1:
        return np.nan, df, np.nan, np.nan
    chi2 = float(np.sum((x - n * pooled) ** 2 / (n * pooled * (1 - pooled))))
    return chi2, df, float(sps.chi2.sf(chi2, df)), float(sps.chi2.cdf(chi2, df))


def icc_anova(n: ArrayLike, sum_y: ArrayLike, sum_y2: ArrayLike) -> float:
    """Intra-interviewer correlation by the one-way ANOVA estimator (MSB − MSW) / (MSB + (n₀ − 1) MSW),
    from each interviewer's base, sum and sum of squares; nan with fewer than 2 interviewers."""
    n, s, s2 = (np.asarray(v, dtype=float) for v in (n, sum_y, sum_y2))
    keep = n > 0
    n, s, s2 = n[keep], s[keep], s2[keep]
    m, total = len(n), n.sum()
    if m < 2 or total <= m:
        return np.nan
    grand = s.sum() / total
    ssb = float(np.sum(s ** 2 / n) - total * grand ** 2)
    ssw = float(np.sum(s2) - np.sum(s ** 2 / n))
    msb, msw = ssb / (m - 1), ssw / (total - m)
    n0 = (total - np.sum(n ** 2) / total) / (m - 1)
    denominator = msb + (n0 - 1) * msw
    return float((msb - msw) / denominator) if denominator > 0 else np.nan


def classify(q: ArrayLike, effect: ArrayLike, min_effect: float, *, directional: bool = False,
             highest: str = "alert") -> np.ndarray:
    """``alert`` where q < ALERT_Q and the effect reaches ``min_effect``; ``watch`` where q < WATCH_Q (and, when
    ``directional``, the effect is positive: e.g. callbacks favouring good outcomes, not avoiding them);
    ``ok`` otherwise (nan q: ``ok``). ``highest='watch'`` caps a check that is a signal, not proof."""
    q, e = np.asarray(q, dtype=float), np.asarray(effect, dtype=float)
    with np.errstate(invalid="ignore"):
        alert = (q < ALERT_Q) & (e >= min_effect) & (highest == "alert")
        watch = (q < WATCH_Q) & ((e > 0) if directional else True)
    return np.where(alert, "alert", np.where(watch, "watch", "ok"))


# --------------------------------------------------------------------------------------------------
# The checks over a store
# --------------------------------------------------------------------------------------------------


def _period_dates(sel: Selection) -> tuple[str, dt.date, dt.date]:
    """The period the selection names (its latest) and its first and last day."""
    if sel.latest is None:
        raise UnknownNameError("Integrity checks need a period, e.g. --period 2026Q3.", key="integrity.need_period")
    if sel.latest == "all":
        return "all", _FAR_PAST, _FAR_FUTURE
    _kind, start, end = parse_period(sel.latest)
    return sel.latest, start, end


def _params(sel: Selection) -> dict[str, Any]:
    _label, start, end = _period_dates(sel)
    return {"date_from": start, "date_to": end, "level": sel.level, "sec_per_item": SEC_PER_ITEM,
            "window_min": WINDOW_MIN}


def _rows(check: str, unit_kind: str, jurisdiction: Sequence[str], unit: Sequence[str], n: ArrayLike,
          observed: ArrayLike, expected: ArrayLike, score: ArrayLike, p: ArrayLike, effect: ArrayLike,
          evidence: list[dict[str, Any]], *, directional: bool = False) -> pd.DataFrame:
    """One check's rows with BH across its units and the flag."""
    p = np.asarray(p, dtype=float)
    q = stats.benjamini_hochberg(p) if len(p) else p
    return pd.DataFrame({
        "check": check, "unit_kind": unit_kind, "jurisdiction": list(jurisdiction), "unit": list(unit),
        "n": np.asarray(n, dtype=float), "observed": np.asarray(observed, dtype=float),
        "expected": np.asarray(expected, dtype=float), "score": np.asarray(score, dtype=float), "p_value": p,
        "q_value": q, "flag": classify(q, effect, MIN_EFFECT[check], directional=directional),
        "evidence_key": f"integrity.ev.{check}.{unit_kind}",
        "evidence_params": [json.dumps(e, ensure_ascii=False) for e in evidence],
    })


def query_df(con: Connection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """A named integrity query with the parameters it names taken from ``params``."""
    return db.query_df(con, name, used_params(load_sql(name), params))


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _num(x: float, digits: int = 1) -> str:
    return "–" if not np.isfinite(x) else f"{x:.{digits}f}"


def _p(x: float) -> str:
    return "–" if not np.isfinite(x) else ("<0.0001" if x < 1e-4 else f"{x:.4f}")


def _straight_lining(con: Connection, params: dict[str, Any],
                     by_int: pd.DataFrame) -> list[pd.DataFrame]:
    units = query_df(con, "integrity/straight_items", params)
    out = []
    if not units.empty:
        k, n, e = (units[c].to_numpy(dtype=float) for c in ("k", "n", "expected_indep"))
        expected, p = straight_lining_test(k, n, e)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = k / expected
            indep_ratio = k / e
        ev = [{"k": int(a), "n": int(b), "share": _pct(a / b if b else np.nan), "expected": _num(c),
               "ratio": _num(r), "indep": _num(i), "p": _p(pv)}
              for a, b, c, r, i, pv in zip(k, n, expected, score, indep_ratio, p, strict=True)]
        out.append(_rows("straight_lining", "jurisdiction", units["unit"], units["unit"], n, k, expected, score, p,
                         score, ev))
    sl = by_int[by_int["n_sl"] > 0]
    if not sl.empty:
        tot = sl.groupby("unit")[["k_sl", "n_sl"]].transform("sum")
        k, n = sl["k_sl"].to_numpy(float), sl["n_sl"].to_numpy(float)
        kt, nt = tot["k_sl"].to_numpy(float), tot["n_sl"].to_numpy(float)
        p = fisher_upper(k, n, kt, nt)
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = (kt - k) / (nt - n)
            expected = n * rest
            score = k / expected
        ev = [{"k": int(a), "n": int(b), "share": _pct(a / b), "rest": _pct(r), "p": _p(pv)}
              for a, b, r, pv in zip(k, n, rest, p, strict=True)]
        out.append(_rows("straight_lining", "interviewer", sl["unit"], sl["interviewer"], n, k, expected, score, p,
                         np.where(np.isfinite(score), score, np.inf), ev))
    return out


def _bursts(con: Connection, params: dict[str, Any]) -> list[pd.DataFrame]:
    scan = query_df(con, "integrity/burst_scan", params)
    scan = scan[scan["n_top"] > 0]
    out = []
    for kind, part in scan.groupby("kind", sort=True):
        k, n = part["max_in_window"].to_numpy(float), part["n_top"].to_numpy(float)
        hours = part["n_days"].to_numpy(float) * WORKDAY_HOURS
        p = scan_pvalue(k, n, hours)
        expected = n / hours * (WINDOW_MIN / 60)
        score = k / expected
        ev = [{"k": int(a), "window": WINDOW_MIN, "start": "" if pd.isna(s) else f"{pd.Timestamp(s):%Y-%m-%d %H:%M}",
               "n": int(b), "days": int(d), "expected": _num(e, 2), "p": _p(pv)}
              for a, b, d, e, s, pv in zip(k, n, part["n_days"], expected, part["window_start"], p, strict=True)]
        rows = _rows("burst", str(kind), part["unit"], part["label"], n, k, expected, score, p, score, ev)
        rows["window_start"] = part["window_start"].to_numpy()
        out.append(rows)
    return out


def _reference_tests(check: str, unit_kind: str, jur: pd.Series, unit: pd.Series, k: np.ndarray, n: np.ndarray,
                     kt: np.ndarray | float, nt: np.ndarray | float) -> pd.DataFrame:
    """A share of marked interviews (too short, repeats) against the rest of the reference (one-sided Fisher)."""
    p = fisher_upper(k, n, kt, nt)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = (kt - k) / (nt - n)
        share = k / n
    ev = [{"k": int(a), "n": int(b), "share": _pct(s), "rest": _pct(r), "sec": _num(SEC_PER_ITEM, 0), "p": _p(pv)}
          for a, b, s, r, pv in zip(k, n, share, rest, p, strict=True)]
    return _rows(check, unit_kind, jur, unit, n, k, n * rest, share - rest, p, share - rest, ev)


def _duration_and_repeats(by_unit: pd.DataFrame, by_int: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    dur = by_unit[by_unit["n_dur"] > 0]
    if not dur.empty:
        k, n = dur["k_fast"].to_numpy(float), dur["n_dur"].to_numpy(float)
        out.append(_reference_tests("duration", "jurisdiction", dur["unit"], dur["unit"], k, n, k.sum(), n.sum()))
    idur = by_int[by_int["n_dur"] > 0]
    if not idur.empty:
        tot = idur.groupby("unit")[["k_fast", "n_dur"]].transform("sum")
        out.append(_reference_tests("duration", "interviewer", idur["unit"], idur["interviewer"],
                                    idur["k_fast"].to_numpy(float), idur["n_dur"].to_numpy(float),
                                    tot["k_fast"].to_numpy(float), tot["n_dur"].to_numpy(float)))
    rep = by_unit[by_unit["n_keyed"] > 0]
    if not rep.empty:
        k, n = rep["k_repeat"].to_numpy(float), rep["n_keyed"].to_numpy(float)
        out.append(_reference_tests("repeat", "jurisdiction", rep["unit"], rep["unit"], k, n, k.sum(), n.sum()))
    return out


def _interviewers(by_int: pd.DataFrame) -> list[pd.DataFrame]:
    data = by_int[by_int["n_sat"] > 0]
    if data.empty:
        return []
    out = []
    tot = data.groupby("unit")[["sum_sat", "n_sat"]].transform("sum")
    x, n = data["sum_sat"].to_numpy(float), data["n_sat"].to_numpy(float)
    xt, nt = tot["sum_sat"].to_numpy(float), tot["n_sat"].to_numpy(float)
    # Scores of a top-box rate are 0 or 1, so the sums are counts (rounded against float sums).
    p = fisher_two_sided(np.round(x), n, np.round(xt), nt)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate, rest = x / n, (xt - x) / (nt - n)
    diff = rate - rest
    ev = [{"n": int(b), "rate": _pct(r), "rest": _pct(o), "p": _p(pv)} for b, r, o, pv in zip(n, rate, rest, p,
                                                                                             strict=True)]
    out.append(_rows("interviewer", "interviewer", data["unit"], data["interviewer"], n, x, n * rest, diff, p,
                     np.abs(diff), ev))
    units, phis, ps, iccs, ms, ns, xs = [], [], [], [], [], [], []
    for unit, part in data[data["n_sat"] >= MIN_INTERVIEWER_N].groupby("unit", sort=True):
        if len(part) < 2:
            continue
        chi2, df, upper, _lower = dispersion_test(part["sum_sat"], part["n_sat"])
        units.append(unit)
        phis.append(chi2 / df if df else np.nan)
        ps.append(upper)
        iccs.append(icc_anova(part["n_sat"], part["sum_sat"], part["sum_sat2"]))
        ms.append(len(part))
        ns.append(part["n_sat"].sum())
        xs.append(part["sum_sat"].sum())
    if units:
        phi = np.array(phis)
        ev = [{"m": m, "phi": _num(f, 2), "icc": _num(i, 3), "p": _p(pv)} for m, f, i, pv in zip(ms, phi, iccs, ps,
                                                                                             strict=True)]
        out.append(_rows("interviewer", "jurisdiction", units, units, ns, xs, np.full(len(units), np.nan), phi, ps,
                         (phi - 1) / 10, ev))
    return out


def _history(label: str) -> list[str]:
    """This period and up to HISTORY_PERIODS − 1 before it, oldest first (none for 'all')."""
    if label == "all":
        return []
    labels = [label]
    while len(labels) < HISTORY_PERIODS:
        prev = previous_period(labels[-1])
        if prev is None:
            break
        labels.append(prev)
    return labels[::-1]


def _too_perfect(con: Connection, sel: Selection, label: str) -> list[pd.DataFrame]:
    periods = _history(label)
    if len(periods) < 2:
        return []
    spans = [parse_period(p)[1:] for p in periods]
    cells = query_df(con, "integrity/cells_by_month", {"level": sel.level, "indicator": "satisfaction",
                                                       "date_from": spans[0][0], "date_to": spans[-1][1]})
    if cells.empty:
        return []
    months = pd.to_datetime(cells["month"]).dt.date
    period_of = np.full(len(cells), None, dtype=object)
    for p, (start, end) in zip(periods, spans, strict=True):
        period_of[((months >= start) & (months <= end)).to_numpy()] = p
    cells = cells.assign(period=period_of).dropna(subset=["period"])
    table = cells.groupby(["unit", "period"], as_index=False)[["n", "sum_y"]].sum()
    units, phis, ps, ns, xs, ts, tops = [], [], [], [], [], [], []
    for unit, part in table.groupby("unit", sort=True):
        part = part[part["n"] > 0]
        chi2, df, _upper, lower = dispersion_test(part["sum_y"], part["n"])
        if not np.isfinite(chi2):
            continue
        units.append(unit)
        phis.append(chi2 / df)
        ps.append(lower)
        ns.append(part["n"].sum())
        xs.append(part["sum_y"].sum())
        ts.append(len(part))
        tops.append(float((part["sum_y"] / part["n"]).max()))
    if not units:
        return []
    phi = np.array(phis)
    ev = [{"periods": t_, "phi": _num(f, 2), "max": _pct(m), "p": _p(pv)} for t_, f, m, pv in zip(ts, phi, tops, ps,
                                                                                              strict=True)]
    return [_rows("too_perfect", "jurisdiction", units, units, ns, xs, np.full(len(units), np.nan), phi, ps,
                  1 - phi, ev)]


def _self_report_gap(con: Connection, sel: Selection, label: str) -> list[pd.DataFrame]:
    try:
        # Every jurisdiction at the level, unweighted, as the check has always read it (no user scope here).
        gap = link.self_report_gap(con, Selection(period_kind=sel.period_kind, periods=(label,), level=sel.level))
    except UnknownNameError:  # no case figures for the period: the check has no data
        return []
    if gap.empty:
        return []
    q = gap["p_excess_adjusted"].to_numpy(float)
    excess = gap["excess"].to_numpy(float)
    ev = [{"callback": _pct(c), "survey": _pct(s), "gap": _pct(g), "low": _pct(lo), "high": _pct(hi),
           "reference": _pct(r), "q": _p(qq)}
          for c, s, g, lo, hi, r, qq in zip(gap["callback_satisfaction"], gap["survey_estimate"], gap["gap"],
                                            gap["gap_low"], gap["gap_high"], gap["reference_gap"], q, strict=True)]
    rows = pd.DataFrame({
        "check": "self_report_gap", "unit_kind": "jurisdiction", "jurisdiction": gap["jurisdiction"],
        "unit": gap["jurisdiction"], "n": gap["callback_n"].astype(float),
        "observed": gap["callback_satisfaction"].astype(float), "expected": gap["survey_estimate"].astype(float),
        "score": excess, "p_value": gap["p_value"].astype(float), "q_value": q,
        # q is already adjusted across the jurisdictions by analytics.link. The two instruments ask different
        # questions (link.py), so a gap alone is a signal to watch, never an alert by itself.
        "flag": classify(q, excess, MIN_EFFECT["self_report_gap"], directional=True, highest="watch"),
        "evidence_key": "integrity.ev.self_report_gap.jurisdiction",
        "evidence_params": [json.dumps(e, ensure_ascii=False) for e in ev],
    })
    return [rows]


def _callbacks(con: Connection, params: dict[str, Any]) -> list[pd.DataFrame]:
    cb = query_df(con, "integrity/callbacks", {k: params[k] for k in ("date_from", "date_to", "level")})
    if cb.empty:
        return []
    by_outcome = cb.groupby(["unit", "outcome"], as_index=False)[["closed", "called"]].sum()
    units, ns, xs, ps, diffs, evs = [], [], [], [], [], []
    for unit, part in by_outcome.groupby("unit", sort=True):
        part = part[part["closed"] >= MIN_OUTCOME_CLOSED]
        chi2, df, upper, _lower = dispersion_test(part["called"], part["closed"])
        if not np.isfinite(chi2):
            continue
        good = part["outcome"].isin(GOOD_OUTCOMES)
        with np.errstate(divide="ignore", invalid="ignore"):
            good_rate = part.loc[good, "called"].sum() / part.loc[good, "closed"].sum()
            other_rate = part.loc[~good, "called"].sum() / part.loc[~good, "closed"].sum()
        units.append(unit)
        ns.append(part["closed"].sum())
        xs.append(part["called"].sum())
        ps.append(upper)
        diffs.append(good_rate - other_rate)
        evs.append({"good": _pct(good_rate), "other": _pct(other_rate), "closed": int(part["closed"].sum()),
                    "chi2": _num(chi2, 1), "df": df, "p": _p(upper)})
    if not units:
        return []
    diff = np.array(diffs, dtype=float)
    return [_rows("callback_selection", "jurisdiction", units, units, ns, xs, np.full(len(units), np.nan), diff, ps,
                  diff, evs, directional=True)]


def integrity_flags(con: Connection, sel: Selection) -> pd.DataFrame:
    """Every check's rows for the selection's latest period at its level (columns :data:`FLAG_COLUMNS`,
    plus ``window_start`` for bursts), narrowed to the jurisdictions asked for and visible to ``sel.user``.

    Statistics and BH run over every unit at the level first, so the q-value of a unit does not depend on who
    asks or which jurisdictions are shown. Sorted by jurisdiction, check, unit kind and unit.
    """
    label, _start, _end = _period_dates(sel)
    params = _params(sel)
    by_int = query_df(con, "integrity/by_interviewer", params)
    by_unit = query_df(con, "integrity/by_unit", params)
    parts = [*_straight_lining(con, params, by_int), *_bursts(con, params), *_duration_and_repeats(by_unit, by_int),
             *_interviewers(by_int), *_too_perfect(con, sel, label), *_self_report_gap(con, sel, label),
             *_callbacks(con, params)]
    parts = [p for p in parts if not p.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FLAG_COLUMNS)
    if "window_start" not in table.columns:
        table["window_start"] = pd.NaT
    allowed = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    if allowed is not None:
        table = table[table["jurisdiction"].isin(allowed)]
    names = engine.jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
    table = table.drop(columns=["name_zh", "name_en"], errors="ignore").join(names, on="jurisdiction")
    order = {c: i for i, c in enumerate(CHECKS)}
    table = table.assign(_o=table["check"].map(order)).sort_values(["jurisdiction", "_o", "unit_kind", "unit"])
    table = table.drop(columns="_o").reset_index(drop=True)
    return table[[*FLAG_COLUMNS, "window_start"]]


def evidence_text(row: pd.Series | dict[str, Any], lang: str) -> str:
    """The evidence of one flag row in words, in ``lang``."""
    return t(str(row["evidence_key"]), lang, **json.loads(str(row["evidence_params"])))


def with_evidence(flags: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``flags`` with an ``evidence`` column in ``lang`` (for the CLI and the page)."""
    out = flags.copy()
    out["evidence"] = [evidence_text(r, lang) for r in flags[["evidence_key", "evidence_params"]].to_dict("records")]
    return out


def summary(flags: pd.DataFrame) -> pd.DataFrame:
    """Per jurisdiction the worst flag of each check (over its interviewer and channel units too) and overall
    (columns :data:`SUMMARY_COLUMNS`; a check with no row for the jurisdiction is '' — no data)."""
    if flags.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rank = {f: i for i, f in enumerate(FLAGS)}
    worst = flags.assign(r=flags["flag"].map(rank)).groupby(["jurisdiction", "check"])["r"].max().unstack()
    worst = worst.reindex(columns=list(CHECKS))
    out = worst.apply(lambda col: col.map(lambda v: "" if pd.isna(v) else FLAGS[int(v)]))
    out["flag"] = worst.max(axis=1).map(lambda v: FLAGS[int(v)])
    names = flags.drop_duplicates("jurisdiction").set_index("jurisdiction")[["name_zh", "name_en"]]
    out = out.join(names).reset_index()
    return out[SUMMARY_COLUMNS]


# --------------------------------------------------------------------------------------------------
# The respondents behind the flags (analysts), exclusions and the sensitivity view
# --------------------------------------------------------------------------------------------------


def _alerted(flags: pd.DataFrame, check: str, unit_kind: str) -> pd.DataFrame:
    return flags[(flags["check"] == check) & (flags["unit_kind"] == unit_kind) & (flags["flag"] == "alert")]


def flagged_rows(con: Connection, sel: Selection, *, unit: str | None = None,
                 only_flagged: bool = True, flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """The respondents behind the alerts (columns :data:`ROW_COLUMNS`): of ``unit`` (a jurisdiction code at the
    level) or of every visible unit; every respondent of the unit when ``only_flagged`` is False. Analysts and
    admins only (permission ``integrity``): leaders and station users see flags, never rows."""
    sel.user.require("integrity")
    flags = integrity_flags(con, sel) if flags is None else flags
    sl_units = _alerted(flags, "straight_lining", "jurisdiction")["unit"].tolist()
    sl_int = _alerted(flags, "straight_lining", "interviewer")
    fast_units = _alerted(flags, "duration", "jurisdiction")["unit"].tolist()
    fast_int = _alerted(flags, "duration", "interviewer")
    rep_units = _alerted(flags, "repeat", "jurisdiction")["unit"].tolist()
    bursts = flags[(flags["check"] == "burst") & (flags["flag"] == "alert")]
    params = {**_params(sel), "unit": unit, "sl_units": sl_units, "repeat_units": rep_units,
              "sl_interviewers": (sl_int["jurisdiction"] + "|" + sl_int["unit"]).tolist(),
              "fast_units": fast_units,
              "fast_interviewers": (fast_int["jurisdiction"] + "|" + fast_int["unit"]).tolist(),
              "burst_kinds": bursts["unit_kind"].tolist(), "burst_units": bursts["jurisdiction"].tolist(),
              "burst_labels": bursts["unit"].tolist(),
              "burst_starts": [pd.Timestamp(s).to_pydatetime() for s in bursts["window_start"]]}
    rows = query_df(con, "integrity/respondent_flags", params)
    allowed = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    if allowed is not None:
        rows = rows[rows["unit"].isin(allowed)]
    if only_flagged:
        rows = rows[rows[["f_straight", "f_duration", "f_repeat", "f_burst"]].any(axis=1)]
    return rows[ROW_COLUMNS].reset_index(drop=True)


def _as_shown(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A record list as shown: the village or community by name in ``lang`` (blank for a station's own
    respondents), missing interviewers and channels blank, the interview day as a date."""
    # A file without interviewer or channel columns leaves them empty: blank cells, not the word None.
    blanks = {c: frame[c].astype(object).fillna("") for c in ("interviewer", "channel") if c in frame.columns}
    day = pd.to_datetime(frame["interview_date"]).dt.date
    return frame.assign(community=community_names(frame, lang), interview_date=day, **blanks)


def rows_shown(rows: pd.DataFrame, level: str, lang: str) -> pd.DataFrame:
    """The respondents of :func:`flagged_rows` as the Integrity page lists them and ``integrity rows`` prints
    them (columns :data:`ROW_SHOWN_COLUMNS`, less ``unit`` at station level).

    At station level a respondent's unit is its station, so the ``unit`` column would repeat ``station``: it is
    left out; above (district, city) it names the district or the city the respondent was tested in."""
    columns = [c for c in ROW_SHOWN_COLUMNS if c != "unit" or level != "station"]
    return _as_shown(rows, lang)[columns].reset_index(drop=True)


def exclusions_shown(listed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The exclusions of :func:`exclusions` as the Integrity page lists them and ``integrity exclusions`` prints
    them (columns :data:`EXCLUSION_SHOWN_COLUMNS`; ``reason`` the alerted checks by name in ``lang``, joined by
    ' + ', where the store keeps their codes joined by '+'; times as 'YYYY-MM-DD HH:MM:SS' in the store's time,
    blank when not restored)."""
    names = {c: t(f"integrity.check.{c}", lang) for c in CHECKS}
    # Once per distinct reason (a handful of combinations), not per respondent.
    words = {r: " + ".join(names.get(c, c) for c in r.split("+")) for r in listed["reason"].dropna().unique()}
    reasons = listed["reason"].map(words).fillna("")
    # An active exclusion has no restorer yet: blank cells, not the word None.
    stamps = {c: pd.to_datetime(listed[c]).dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
              for c in ("excluded_at", "restored_at")}
    return _as_shown(listed, lang).assign(reason=reasons, restored_by=listed["restored_by"].fillna(""), **stamps)[
        EXCLUSION_SHOWN_COLUMNS].reset_index(drop=True)


def _reasons(rows: pd.DataFrame) -> list[str]:
    """The alerted checks naming each row, joined by '+' (column-wise, not row by row)."""
    text = pd.Series("", index=rows.index)
    for check, column in (("straight_lining", "f_straight"), ("burst", "f_burst"), ("duration", "f_duration"),
                          ("repeat", "f_repeat")):
        text = text + np.where(rows[column].to_numpy(bool), check + "+", "")
    return text.str.rstrip("+").tolist()


def exclude_flagged(con: Connection, sel: Selection, *, unit: str | None = None) -> int:
    """Exclude the respondents behind the selection's alerts (of ``unit``, or all visible) from the sensitivity
    view; audited with the count and the keys. Returns how many were newly excluded."""
    sel.user.require("integrity")
    rows = flagged_rows(con, sel, unit=unit)
    rows = rows[~rows["excluded"]]
    if rows.empty:
        return 0
    keys = [int(k) for k in rows["respondent_key"]]
    reasons = _reasons(rows)
    label, _s, _e = _period_dates(sel)
    with transaction(con):
        execute(con, "integrity/exclude", {"keys": keys, "reasons": reasons, "period": label,
                                           "actor": sel.user.username})
        audit(con, sel.user.username, "integrity.exclude", {"period": label, "level": sel.level, "unit": unit,
                                                            "count": len(keys), "respondent_keys": keys})
        bump_data_version(con)
    return len(keys)


def restore(con: Connection, sel: Selection, *, ids: Sequence[int] | None = None) -> int:
    """Restore exclusions (those numbered ``ids``, or every active one at the stations ``sel`` shows); the rows
    stay, stamped restored, and the restore is audited. Returns how many were restored."""
    sel.user.require("integrity")
    codes = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    with transaction(con):
        before = _active(con)
        execute(con, "integrity/restore", {"ids": list(ids) if ids is not None else None, "codes": codes,
                                           "actor": sel.user.username})
        restored = before - _active(con)
        audit(con, sel.user.username, "integrity.restore", {"ids": list(ids) if ids is not None else None,
                                                            "count": restored})
        bump_data_version(con)
    return restored


def _active(con: Connection) -> int:
    return int(fetch_one(con, "integrity/active_count")["n"])


def exclusions(con: Connection, sel: Selection) -> pd.DataFrame:
    """Every exclusion, active and restored, at the stations the user may see (analysts and admins)."""
    sel.user.require("integrity")
    codes = engine.scope_codes(con, sel.user, None)
    return query_df(con, "integrity/exclusions_list", {"codes": codes})


def _ranks(rate: np.ndarray) -> np.ndarray:
    """Rank 1 = highest rate; ties share the best rank; nan rates get no rank."""
    out = np.full(len(rate), np.nan)
    ok = np.isfinite(rate)
    out[ok] = sps.rankdata(-rate[ok], method="min")
    return out


def sensitivity_table(con: Connection, sel: Selection, *, indicator: str = "satisfaction",
                      min_base: float = 30.0) -> Result:
    """The ranking with and without the excluded respondents, side by side (``frame``, columns
    :data:`SENSITIVITY_COLUMNS`), unweighted, for the selection's latest period and level (a rate's estimate is a
    proportion, a mean score's a mean on its item's scale; ``meta['kind']`` says which). A unit whose base
    (either way) is below ``min_base`` gets no estimate or rank there. Ranks are among the units shown;
    ``rank_change`` = rank kept − rank (positive: the unit falls once doubtful answers are left out).
    ``meta['n_excluded']`` is the total; ``meta`` also holds indicator, period and level."""
    _label, start, end = _period_dates(sel)
    found = fetch_all(con, "indicators/kind", {"key": indicator})
    if not found:
        raise UnknownNameError(f"No indicator named {indicator!r}.")
    raw = query_df(con, "integrity/sensitivity", {"indicator": indicator, "level": sel.level, "date_from": start,
                                                  "date_to": end})
    allowed = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    if allowed is not None:
        raw = raw[raw["unit"].isin(allowed)]
    n, n_kept = raw["n"].to_numpy(float), raw["n_kept"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(n >= min_base, raw["sum_y"].to_numpy(float) / n, np.nan)
        est_kept = np.where(n_kept >= min_base, raw["sum_y_kept"].to_numpy(float) / n_kept, np.nan)
    rank, rank_kept = _ranks(est), _ranks(est_kept)
    names = engine.jurisdictions(con).set_index("code")
    out = pd.DataFrame({
        "jurisdiction": raw["unit"].to_numpy(), "name_zh": raw["unit"].map(names["name_zh"]).to_numpy(),
        "name_en": raw["unit"].map(names["name_en"]).to_numpy(), "n": n.astype(int), "estimate": est, "rank": rank,
        "n_excluded": raw["n_excluded"].to_numpy(int), "n_kept": n_kept.astype(int), "estimate_kept": est_kept,
        "rank_kept": rank_kept, "rank_change": rank_kept - rank,
    }).sort_values(["rank", "jurisdiction"], na_position="last").reset_index(drop=True)
    return Result(out, {"indicator": indicator, "kind": found[0][0] or "rate", "period": _label,
                        "level": sel.level, "n_excluded": int(out["n_excluded"].sum())})


def _excluded_counts(con: Connection, sel: Selection, periods: Sequence[str]) -> pd.DataFrame:
    """Respondents now excluded per unit (at ``sel.level``) and period: columns jurisdiction, period, n_excluded."""
    frames = []
    for label in periods:
        _kind, start, end = parse_period(label)
        counts = query_df(con, "integrity/excluded_counts", {"level": sel.level, "date_from": start, "date_to": end})
        frames.append(counts.rename(columns={"unit": "jurisdiction"}).assign(period=label))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["jurisdiction", "period",
                                                                                     "n_excluded"])


def assessment_sensitivity(con: Connection, sel: Selection, scheme: str | assessment.Scheme | None = None, *,
                           every: assessment.Assessment | None = None) -> Result:
    """The assessment ranking with every respondent and without the respondents now excluded, side by side.

    Both sides are :func:`analytics.assessment.assess` of the same scheme and selection (weighted or not as
    ``sel`` says); the second leaves the excluded respondents out of the survey components (values, intervals and
    their correlations), internal and case components being the same on both sides. ``frame`` has
    :data:`ASSESSMENT_SENSITIVITY_COLUMNS`, one row per jurisdiction and period the user may see (a station user:
    its own subtree, as :func:`assess`): score in points 0..100 with its 95% interval, rank with its simulated
    95% interval and whether it can be told apart from the next one down (``apart_from_next``), the same with
    ``_kept``, ``score_change`` = score kept − score (points), ``rank_change`` = rank kept − rank (positive: the
    unit falls once doubtful answers are left out) and ``rank_kept_outside_interval`` (the rank kept lies outside
    the rank interval from every respondent: a change larger than the ranking's own sampling uncertainty).
    ``n_excluded`` counts the respondents interviewed in the period and excluded now. ``meta``: scheme, level,
    periods and ``n_excluded`` (total over the rows at the level).

    Like the Compare view, the figures are aggregates every role that may see the assessment may see; the
    excluded respondents themselves are listed (:func:`exclusions`) and restored (:func:`restore`) only with the
    ``integrity`` permission.

    ``every``: the caller's :func:`analytics.assessment.assess` of this ``sel`` and ``scheme`` when it has one (the
    Assessment page and ``assess --sensitivity`` do), so it is not computed twice; ``scheme`` is then its scheme.
    """
    if every is None:
        every = assessment.assess(con, sel, scheme)
    # With no exclusion in force, leaving the excluded respondents out reads the same respondents through the same
    # queries (indicator_pairs' NOT IN an empty list, no excluded_stats to subtract): the same assessment, so it is
    # not run again (a second assessment at a million respondents was about a second of the page's first visit).
    # Survey waves still go through assess, which refuses them with its own message.
    same = sel.period_kind != WAVE_KIND and _active(con) == 0
    kept = every if same else assessment.assess(con, sel, every.scheme, without_excluded=True)
    keys = ["jurisdiction", "period"]
    columns = ["score", "ci_low", "ci_high", "rank", "rank_low", "rank_high", "apart_from_next"]
    left = every.scores[["jurisdiction", "name_zh", "name_en", "period", *columns]]
    right = kept.scores[[*keys, *columns]].rename(columns={c: f"{c}_kept" for c in columns})
    out = left.merge(right, on=keys, how="outer")
    counts = _excluded_counts(con, sel, list(sel.periods))
    out = out.merge(counts, on=keys, how="left")
    out["n_excluded"] = out["n_excluded"].fillna(0).astype(int)
    out["score_change"] = out["score_kept"] - out["score"]
    out["rank_change"] = out["rank_kept"] - out["rank"]
    with np.errstate(invalid="ignore"):
        outside = (out["rank_kept"] < out["rank_low"]) | (out["rank_kept"] > out["rank_high"])
    out["rank_kept_outside_interval"] = outside.where(out["rank"].notna() & out["rank_kept"].notna(), pd.NA)
    out = out.sort_values(["period", "rank", "jurisdiction"], na_position="last").reset_index(drop=True)
    return Result(out[ASSESSMENT_SENSITIVITY_COLUMNS],
                  {"scheme": every.scheme.name, "level": sel.level, "periods": list(sel.periods),
                   "n_excluded": int(out["n_excluded"].sum())})
