"""Comparing jurisdictions with each other and over time; peer groups; the interfaces to raking.

Everything here builds on :func:`analytics.engine.indicator_table` (rates, bases, flags) and the pure
functions of :mod:`analytics.stats`; DuckDB does the sums, numpy/scipy the small tail.

Methods (formulas and worked examples in ``docs/statistics.md``)
----------------------------------------------------------------
* **Overall rate p0** — the pooled rate of the respondents of the jurisdictions compared, computed from the
  same sufficient statistics as every estimate: Σy/Σn unweighted, the ratio estimator Σwy/Σw weighted
  (never an average of rates). Suppressed jurisdictions are left out of it.
* **Funnel plot** (Spiegelhalter DJ 2005, "Funnel plots for comparing institutional performance",
  Stat Med 24:1185): base b = n unweighted, Kish effective n weighted; limits
  p0 ± z·sqrt(φ p0 (1-p0) / b) at 95% (z = 1.96) and 99.8% (z = 3.09); z-score
  z = (p - p0) / sqrt(φ p0 (1-p0) / b); class 'above'/'below' outside the 95% limits, else 'within'
  (``funnel_class_998`` gives the class against the 99.8% limits); two-sided p-values of z with a
  Benjamini–Hochberg (1995) adjustment across the units compared.
* **Over-dispersion** (optional; Spiegelhalter 2005 §4.2): φ = mean of squared 10%-winsorised z-scores;
  applied only when φ > 1 and k·φ exceeds the 95% point of χ² on k-1 degrees of freedom, otherwise φ = 1.
* **Empirical-Bayes shrinkage** (Efron & Morris 1975; Kass & Steffey 1989): beta-binomial prior fitted
  by marginal maximum likelihood to x = p·b successes out of b, posterior mean (x+α)/(b+α+β) and an
  equal-tailed posterior interval from Beta(x+α, b-x+β). Needs ≥ 3 unsuppressed units, else left empty.
* **Rank with uncertainty** (Goldstein & Spiegelhalter 1996, JRSS A 159:385): observed rank (1 = highest
  rate, ties share the best rank) and a 95% rank interval from 2000 normal simulations of the estimates
  with their standard errors (fixed seed: the page and the CLI show the same figures). The interval is
  widened, if ever needed, to contain the observed rank.
* **Trend test** per jurisdiction over the periods of a table: Cochran (1954)–Armitage (1955) test on
  x = n·p out of n (weighted: p·n_eff out of n_eff) with period scores 0, 1, 2, … (gaps keep their
  place), the slope Σn(t-t̄)(p-p̄)/Σn(t-t̄)² in proportion per period, and a Benjamini–Hochberg
  adjustment across the jurisdictions of each indicator. Not defined for rolling 12-month windows, which
  overlap (successive windows share respondents).
* **Survey-mode breaks**: where the mode mix of the respondents behind an indicator (each respondent's own
  survey mode, else its batch's) changes between one month with respondents and the next — a break in the
  series: a mode appears or disappears, or some mode's share of the respondents moves by more than
  ``MODE_MIX_SHIFT`` (a mixed-mode wave that moves from mostly phone to mostly web).

Suppression: a jurisdiction whose estimate is suppressed (``flag`` 'suppressed', effective base below the
setting) is listed with class 'suppressed', its bases (n, n_eff) and nothing else: it is left out of p0,
φ, the shrinkage fit, the ranks and the trend tests, and no number derived from its data is shown.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import engine, stats, store
from analytics.auth import User, visible_codes
from analytics.db import Connection, execute, fetch_all, query_df
from analytics.definitions import get_indicator
from analytics.errors import JingminError, UnknownNameError, WeightingError
from analytics.periods import WAVE_KIND, label_for, parse_period, period_kind
from analytics.presentation import natural_order
from analytics.result import Result
from analytics.selection import Selection
from analytics.weighting import (
    AGE_YEARS_ITEM,
    JURISDICTION_DIMS,
    RakeResult,
    banded_dimensions,
    label_report,
    rake_weights,
    reset_weights,
)

__all__ = [
    "COMPARE_COLUMNS", "TREND_COLUMNS", "BREAK_COLUMNS", "MODE_NAMES", "CompareError",
    "compare_table", "funnel_curve", "trend_tests", "mode_breaks", "break_position",
    "save_peer_group", "delete_peer_group", "list_peer_groups", "peer_group_codes",
    "read_margins", "margin_tables", "rakeable_batches", "margin_label_report", "proposed_recodes",
    "rake_and_refresh", "reset_and_refresh", "weights_summary", "last_weighting", "MODE_MIX_SHIFT",
]

COMPARE_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "n", "n_eff", "base", "estimate", "ci_low", "ci_high", "flag", "overall",
    "limit95_low", "limit95_high", "limit998_low", "limit998_high", "z", "funnel_class", "shrunken", "rank",
    "rank_low", "rank_high",
    # beyond the core set: what the page and exports also show
    "se", "funnel_class_998", "p_value", "p_adjusted", "shrunken_low", "shrunken_high",
]
# Numbers that a suppressed row never carries (its bases n, n_eff and base are shown, as everywhere).
_HIDDEN_WHEN_SUPPRESSED = [c for c in COMPARE_COLUMNS[6:] if c not in ("flag", "funnel_class", "funnel_class_998")]
TREND_COLUMNS = [
    "indicator", "jurisdiction", "name_zh", "name_en", "periods", "first_period", "last_period", "slope", "z",
    "p_value", "p_adjusted", "significant", "direction", "mode_break",
]
BREAK_COLUMNS = ["indicator", "jurisdiction", "month_before", "month_after", "modes_before", "modes_after",
                 "mix_before", "mix_after"]
# A change of a mode's share of the respondents by more than this (a proportion) between two months with
# respondents is a break, as a change of the set of modes is. 0.25: a quarter of the sample asked another way.
MODE_MIX_SHIFT = 0.25

# Survey modes the catalog names (any other label a file gives is shown as it is).
MODE_NAMES = ("mail", "online", "phone", "face_to_face", "sms", "ivr", "qr_code", "unknown")
FUNNEL_LEVELS = (0.95, 0.998)
RANK_SIMULATIONS = 2000
RANK_SEED = 20240101
OVERDISPERSION_TEST_LEVEL = 0.95
PEER_NAME_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
POPULATION_HEADERS = ("population", "人口", "人口数")


class CompareError(JingminError):
    """A comparison, trend test or peer group that cannot be made as asked."""

    message_key = "error.compare.generic"


# --------------------------------------------------------------------------------------------------
# Comparing jurisdictions: funnel, shrinkage, ranks
# --------------------------------------------------------------------------------------------------


def _period_filter(period: str) -> tuple[str, date | None]:
    """(period kind, first day) of a period label; ('all', None) for the pooled period."""
    if period == "all":
        return "all", None
    kind, start, _end = parse_period(period)
    return kind, start


def _comparison_codes(con: Connection, level: str, peer_group: str | None,
                      jurisdiction_codes: Sequence[str] | None) -> list[str] | None:
    """The jurisdictions to compare: a peer group's members (narrowed by ``jurisdiction_codes``), or those."""
    if peer_group is None:
        return list(jurisdiction_codes) if jurisdiction_codes else None
    members = list_peer_groups(con)
    members = members[members["group_name"] == peer_group]
    if members.empty:
        raise UnknownNameError(f"No peer group named {peer_group!r}; list them with `python -m analytics peers list`.",
                               key="error.compare.unknown_group", group=peer_group)
    levels = set(members["level"].dropna())
    if levels and levels != {level}:
        raise CompareError(
            f"Peer group {peer_group!r} holds {', '.join(sorted(levels))} jurisdictions, but the comparison is "
            f"at the {level} level; choose level {sorted(levels)[0]}.",
            key="error.compare.group_level", group=peer_group, group_level=", ".join(sorted(levels)), level=level)
    codes = list(members["jurisdiction_code"])
    if jurisdiction_codes:
        codes = [c for c in codes if c in set(jurisdiction_codes)]
    return codes or ["\x00empty-peer-group"]


def _pooled_rate(con: Connection, *, indicator: str, period: str, kind: str, start: date | None,
                 level: str, codes: Sequence[str], weighted: bool) -> float:
    """The pooled rate of the respondents of ``codes`` (Σy/Σn, or Σwy/Σw weighted), from the cells."""
    if not codes:
        return float("nan")
    raw = query_df(con, "indicators/stats", {
        "level": level, "period_kind": kind, "indicators": [indicator], "jurisdictions": list(codes),
        "date_from": start, "date_to": start, "period_starts": None,
    })
    raw = raw[raw["period"] == period]
    num, den = (raw["sum_wy"].sum(), raw["sum_w"].sum()) if weighted else (raw["sum_y"].sum(), raw["n"].sum())
    return float(num / den) if den > 0 else float("nan")


def _overdispersion(p: np.ndarray, base: np.ndarray, p0: float) -> tuple[float, bool]:
    """Spiegelhalter's φ estimate and whether it is significantly above 1 (k·φ > χ²_{k-1, 0.95})."""
    from scipy.special import gammaincinv

    k = int(np.sum(np.isfinite(p) & (base > 0)))
    phi = stats.overdispersion_phi(p, base, p0) if k >= 2 else float("nan")
    significant = bool(k >= 2 and np.isfinite(phi) and phi > 1
                       and k * phi > 2.0 * gammaincinv((k - 1) / 2.0, OVERDISPERSION_TEST_LEVEL))  # χ² quantile
    return phi, significant


def min_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` ascending, ties sharing the lowest (``scipy.stats.rankdata(method="min")``)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    run_start = np.r_[True, ordered[1:] != ordered[:-1]]
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.maximum.accumulate(np.where(run_start, np.arange(values.size), 0)) + 1.0
    return ranks


def _empty_comparison() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in COMPARE_COLUMNS}).astype(
        {"jurisdiction": object, "name_zh": object, "name_en": object, "flag": object, "funnel_class": object,
         "funnel_class_998": object})


def compare_table(
    con: Connection,
    sel: Selection,
    *,
    indicator: str,
    peer_group: str | None = None,
    overdispersion: bool = False,
    n_sim: int = RANK_SIMULATIONS,
    seed: int = RANK_SEED,
) -> Result:
    """Compare the jurisdictions at ``sel.level`` on one indicator in one period (see ``COMPARE_COLUMNS``).

    The period is ``sel.latest``, the last period chosen (2026Q3, 2026-03, 2026, 2026-03R12, or 'all' for
    ``period_kind`` 'all'). The set compared is every jurisdiction at the level with data, or the members
    of ``peer_group`` (which must be at the same level), narrowed further by ``sel.jurisdiction_codes`` and
    by what ``sel.user`` may see; ``sel.weighted`` chooses the base.

    Columns: ``base`` is n unweighted and the Kish effective n weighted; ``overall`` is p0, the pooled rate
    of the unsuppressed jurisdictions compared (from their respondents: Σy/Σn, or Σwy/Σw weighted);
    limits, z, classes, p-values and ranks follow Spiegelhalter (2005) as described in the module
    docstring; ``shrunken`` (with ``shrunken_low``/``shrunken_high``) is the empirical-Bayes estimate.
    Suppressed jurisdictions have ``funnel_class`` 'suppressed', keep n/n_eff/base and carry no other
    number; they are excluded from p0, φ, the shrinkage fit and the ranks. Rows are sorted by estimate,
    highest first, suppressed last.

    Returns a :class:`~analytics.result.Result`: ``frame`` is the table above; ``meta`` holds the summary:
    indicator, period, level, weighted, peer_group, base ('n' or 'n_eff'), overall (p0, a proportion),
    phi (estimate), phi_applied (1 unless over-dispersion was asked for and found), phi_significant,
    overdispersion (asked for), units (unsuppressed), suppressed (codes), shrinkage (bool), prior_alpha,
    prior_beta, confidence_level. An empty frame (with the same meta keys) means no data for that period.
    """
    # scipy.special only, imported here: scipy.stats took longer to import (~3.7 s under load) than the whole
    # comparison takes to compute. chi2.ppf, beta.ppf and norm.sf evaluate these functions (equal bit for
    # bit, tests/unit/test_scipy_stats_free.py); the ranks are numpy.
    from scipy.special import betaincinv

    if get_indicator(con, indicator).kind == "mean":  # UnknownNameError listing the known keys if absent
        # Funnel limits, beta-binomial shrinkage and the pooled rate are proportion methods.
        raise CompareError(f"{indicator} is a mean score; the funnel plot, shrinkage and ranks here are for rates.",
                           key="error.compare.mean_score", indicator=indicator)
    period = sel.latest or ("all" if sel.period_kind == "all" else None)
    if period is None:
        raise UnknownNameError(f"Choose a {sel.period_kind} period to compare jurisdictions in.")
    level, weighted = sel.level, sel.weighted
    kind, start = _period_filter(period)
    codes = _comparison_codes(con, level, peer_group, sel.jurisdiction_codes)
    table = engine.indicator_table(con, sel.with_(periods=(period,), jurisdiction_codes=tuple(codes or ())),
                                   indicators=[indicator])
    table = table[table["period"] == period].reset_index(drop=True)
    conf = float(store.get_setting(con, "confidence_level"))
    meta: dict[str, Any] = {
        "indicator": indicator, "period": period, "level": level, "weighted": bool(weighted),
        "peer_group": peer_group, "base": "n_eff" if weighted else "n", "overall": float("nan"),
        "phi": float("nan"), "phi_applied": 1.0, "phi_significant": False, "overdispersion": bool(overdispersion),
        "units": 0, "suppressed": [], "shrinkage": False, "prior_alpha": float("nan"),
        "prior_beta": float("nan"), "confidence_level": conf,
    }
    if table.empty:
        return Result(_empty_comparison(), meta)

    out = table[["jurisdiction", "name_zh", "name_en", "n", "n_eff", "estimate", "ci_low", "ci_high", "flag",
                 "se"]].copy()
    out["base"] = out["n_eff"] if weighted else out["n"].astype(float)
    suppressed = out["flag"].eq("suppressed").to_numpy()
    usable = ~suppressed & out["estimate"].notna().to_numpy() & (out["base"].to_numpy(float) > 0)
    p = np.where(usable, out["estimate"].to_numpy(float), np.nan)
    base = np.where(usable, out["base"].to_numpy(float), np.nan)
    se = np.where(usable, out["se"].to_numpy(float), np.nan)
    k = int(usable.sum())

    p0 = _pooled_rate(con, indicator=indicator, period=period, kind=kind, start=start, level=level,
                      codes=list(out.loc[usable, "jurisdiction"]), weighted=weighted)
    phi, phi_significant = _overdispersion(p, base, p0) if 0 < p0 < 1 else (float("nan"), False)
    phi_used = phi if (overdispersion and phi_significant) else 1.0

    limits = stats.funnel_limits(p0, base, levels=FUNNEL_LEVELS, phi=phi_used) if np.isfinite(p0) else None
    nan = np.full(len(out), np.nan)
    out["overall"] = np.where(usable, p0, np.nan)
    out["limit95_low"], out["limit95_high"] = limits[0.95] if limits else (nan, nan)
    out["limit998_low"], out["limit998_high"] = limits[0.998] if limits else (nan, nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(phi_used * p0 * (1.0 - p0) / base)
        z = np.where(sd > 0, (p - p0) / sd, np.nan)
    out["z"] = z
    if np.isfinite(p0):
        out["funnel_class"] = stats.funnel_class(p, base, p0, phi=phi_used, level=0.95)
        out["funnel_class_998"] = stats.funnel_class(p, base, p0, phi=phi_used, level=0.998)
    else:
        out["funnel_class"] = "na"
        out["funnel_class_998"] = "na"
    pvalue = np.where(np.isfinite(z), stats.two_sided_p(z), np.nan)
    out["p_value"] = pvalue
    out["p_adjusted"] = stats.benjamini_hochberg(pvalue)

    # Empirical-Bayes shrinkage (beta-binomial) of the unsuppressed units.
    shrunk, s_low, s_high = nan.copy(), nan.copy(), nan.copy()
    if k >= 3:
        x = p * base
        shrunk, alpha, beta = stats.beta_binomial_shrinkage(x, base)
        tail = (1.0 - conf) / 2.0
        with np.errstate(invalid="ignore"):
            s_low = betaincinv(x + alpha, base - x + beta, tail)  # the Beta posterior's quantiles
            s_high = betaincinv(x + alpha, base - x + beta, 1.0 - tail)
        meta.update(shrinkage=True, prior_alpha=alpha, prior_beta=beta)
    out["shrunken"], out["shrunken_low"], out["shrunken_high"] = shrunk, s_low, s_high

    # Ranks among the unsuppressed: observed rank and a simulated rank interval.
    rank = np.full(len(out), np.nan)
    if k:
        rank[usable] = min_ranks(-p[usable])
    _median, r_low, r_high = stats.rank_intervals(p, se, n_sim=n_sim, seed=seed, level=conf)
    out["rank"] = rank
    out["rank_low"] = np.fmin(r_low, rank)
    out["rank_high"] = np.fmax(r_high, rank)

    out.loc[suppressed, "funnel_class"] = "suppressed"
    out.loc[suppressed, "funnel_class_998"] = "suppressed"
    out.loc[suppressed, _HIDDEN_WHEN_SUPPRESSED] = np.nan
    out["_order"] = np.where(suppressed, 1, 0)
    out = out.sort_values(["_order", "estimate", "jurisdiction"], ascending=[True, False, True],
                          na_position="last", key=natural_order).drop(columns="_order").reset_index(drop=True)
    out = out[COMPARE_COLUMNS]
    meta.update(overall=p0, phi=phi, phi_applied=phi_used, phi_significant=phi_significant, units=k,
                 suppressed=sorted(table.loc[suppressed, "jurisdiction"]))
    return Result(out, meta)


def funnel_curve(p0: float, base_min: float, base_max: float, *, phi: float = 1.0,
                 points: int = 120) -> pd.DataFrame:
    """The funnel's control limits over a geometric grid of bases, for drawing the funnel as lines.

    Columns ``base, limit95_low, limit95_high, limit998_low, limit998_high`` (proportions); empty when
    p0 is not a number or the bases are not positive.
    """
    columns = ["base", "limit95_low", "limit95_high", "limit998_low", "limit998_high"]
    if not (np.isfinite(p0) and base_min > 0 and base_max >= base_min):
        return pd.DataFrame(columns=columns)
    grid = np.geomspace(base_min, max(base_max, base_min * 1.01), points)
    limits = stats.funnel_limits(p0, grid, levels=FUNNEL_LEVELS, phi=phi)
    return pd.DataFrame({"base": grid, "limit95_low": limits[0.95][0], "limit95_high": limits[0.95][1],
                         "limit998_low": limits[0.998][0], "limit998_high": limits[0.998][1]})


# --------------------------------------------------------------------------------------------------
# Over time: trend tests and survey-mode breaks
# --------------------------------------------------------------------------------------------------


def trend_tests(table: pd.DataFrame, *, breaks: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Cochran–Armitage trend test per indicator and jurisdiction over the periods of ``table``.

    ``table`` is an :func:`analytics.engine.indicator_table` result (several periods of one granularity).
    Period scores are the positions of the periods among all the table's periods (0, 1, 2, …; a missing
    or suppressed period keeps its place and is left out). Successes are n·estimate out of n, or
    estimate·n_eff out of n_eff when the table is weighted. ``slope`` is the change in proportion per
    period; p-values are adjusted with Benjamini–Hochberg across the jurisdictions of each indicator;
    ``direction`` is 'up'/'down' only when the adjusted p-value is below ``alpha``. With ``breaks`` (from
    :func:`mode_breaks`), ``mode_break`` is True when the tested span holds periods on both sides of a
    survey-mode change (from ``month_before`` to ``month_after``).
    Fewer than two usable periods give nan. Rolling 12-month windows raise :class:`CompareError`.
    Mean-score indicators (kind 'mean') are left out: Cochran–Armitage is a test for proportions.
    Survey waves (labels that are not calendar periods) are scored by their order in ``table``, which is
    the engine's wave order (a mapping may order waves other than by first interview date): one step per
    wave, whatever the months between them.

    All groups are tested at once (sums per group with ``np.bincount``), the same statistic as
    :func:`analytics.stats.cochran_armitage_trend` per group; the sums run in another order than
    ``np.sum``'s, so figures can differ from a per-group call in the last bits (about 1e-14 relative).
    """
    rows = np.flatnonzero(table["kind"].ne("mean").to_numpy(bool, na_value=True)) if "kind" in table.columns \
        else np.arange(len(table))
    if not len(rows):
        return pd.DataFrame(columns=TREND_COLUMNS)

    def column(name: str, dtype: Any = object) -> np.ndarray:
        """One column of the tested rows as a numpy array (no copy of the whole table is made)."""
        values = table[name]
        if dtype is object:
            return values.to_numpy(object)[rows]
        return values.to_numpy(dtype, na_value=np.nan)[rows]

    # Strings are factorised once (sorted, so group numbers follow the (indicator, jurisdiction) order):
    # comparisons on Arrow strings per group were most of the cost.
    period_codes, periods = pd.factorize(column("period"))
    kinds = {_kind_of(label) for label in periods}
    if "rolling12" in kinds:
        raise CompareError("Rolling 12-month windows overlap (successive windows share respondents), so a trend "
                           "test over them is not valid; use months, quarters or years.",
                           key="error.compare.rolling_trend")
    starts = pd.to_datetime(column("period_start")).to_numpy("datetime64[ns]")
    ends = pd.to_datetime(column("period_end")).to_numpy("datetime64[ns]")
    first_seen = np.unique(period_codes[period_codes >= 0], return_index=True)[1]
    if WAVE_KIND in kinds:
        rank = np.arange(len(periods))  # the table's (the engine's) wave order
    else:
        rank = np.argsort(np.argsort(starts[period_codes >= 0][first_seen], kind="stable"), kind="stable")
    # code -1 (a missing label) picks the nan appended last
    score = np.append(rank.astype(np.float64), np.nan)[period_codes]
    weighted = bool(table["weighted"].iloc[0])
    ind_codes, indicators = pd.factorize(column("indicator"), sort=True)
    jur_codes, jurisdictions = pd.factorize(column("jurisdiction"), sort=True)
    group = ind_codes.astype(np.int64) * len(jurisdictions) + jur_codes
    # rows of each group in period order, ties in table order (lexsort is stable), like a stable sort per group
    order = np.lexsort((score, group))
    order = order[(ind_codes[order] >= 0) & (jur_codes[order] >= 0)]
    present, row_group = np.unique(group[order], return_inverse=True)
    groups = len(present)
    first_row = order[np.r_[0, np.flatnonzero(np.diff(row_group)) + 1]]

    estimate = column("estimate", np.float64)[order]
    suppressed = (column("flag") == "suppressed")[order]
    base = column("n_eff" if weighted else "n", np.float64)[order]
    t = score[order]
    used = ~np.isnan(estimate) & ~suppressed
    x = estimate * base

    def sums(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(row_group[mask], weights=values[mask], minlength=groups)

    # Cochran–Armitage on the usable periods (stats.cochran_armitage_trend's filter: finite, n > 0).
    ca = used & np.isfinite(x) & np.isfinite(base) & np.isfinite(t) & (base > 0)
    size = np.bincount(row_group[ca], minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = sums(ca, base)
        pbar = sums(ca, x) / total
        stat = sums(ca, t * (x - base * pbar[row_group]))
        var = pbar * (1.0 - pbar) * (sums(ca, base * t * t) - sums(ca, base * t) ** 2 / total)
        z = np.where((size >= 2) & (var > 0), stat / np.sqrt(var), np.nan)
        # The slope over every used period (a period with n = 0 adds nothing; a nan base makes it nan).
        u_total = sums(used, base)
        u_pbar = sums(used, x) / u_total
        slope = np.where(np.isfinite(z),
                         sums(used, t * (x - base * u_pbar[row_group]))
                         / (sums(used, base * t * t) - sums(used, base * t) ** 2 / u_total), np.nan)
    p_value = stats.two_sided_p(z)

    counts = np.bincount(row_group[used], minlength=groups)
    used_rows = order[used]
    used_groups = row_group[used]
    has_used = counts > 0
    first_used = np.zeros(groups, dtype=np.int64)
    last_used = np.zeros(groups, dtype=np.int64)
    # rows are in period order within a group: the last assignment per group wins
    first_used[used_groups[::-1]] = used_rows[::-1]
    last_used[used_groups] = used_rows
    labels = column("period")
    first_period = np.where(has_used, labels[first_used], None)
    last_period = np.where(has_used, labels[last_used], None)

    group_indicator = present // len(jurisdictions)
    group_code = present % len(jurisdictions)
    mode_break = np.zeros(groups, dtype=bool)
    if breaks is not None and not breaks.empty:
        # groups × breaks (a few of each): same indicator, the break's jurisdiction or all (NULL), inside the span
        b_indicator = pd.Index(indicators).get_indexer(breaks["indicator"].to_numpy(object))
        b_code = pd.Index(jurisdictions).get_indexer(breaks["jurisdiction"].to_numpy(object))
        b_all = breaks["jurisdiction"].isna().to_numpy(bool)
        before = pd.to_datetime(breaks["month_before"]).to_numpy("datetime64[ns]")
        after = pd.to_datetime(breaks["month_after"]).to_numpy("datetime64[ns]")
        hit = ((group_indicator[:, None] == b_indicator[None, :]) & (b_indicator[None, :] >= 0)
               & (b_all[None, :] | (group_code[:, None] == b_code[None, :]))
               & (before[None, :] >= starts[first_used][:, None]) & (after[None, :] <= ends[last_used][:, None]))
        mode_break = hit.any(axis=1) & has_used

    p_adjusted = np.full(groups, np.nan)
    for code in np.unique(group_indicator):
        mask = group_indicator == code
        p_adjusted[mask] = stats.benjamini_hochberg(p_value[mask])
    significant = p_adjusted < alpha
    return pd.DataFrame({
        "indicator": indicators[group_indicator], "jurisdiction": jurisdictions[group_code],
        "name_zh": column("name_zh")[first_row], "name_en": column("name_en")[first_row],
        "periods": counts.astype(np.int64), "first_period": first_period, "last_period": last_period,
        "slope": slope, "z": z, "p_value": p_value, "p_adjusted": p_adjusted, "significant": significant,
        "direction": np.where(significant, np.where(slope > 0, "up", "down"), ""), "mode_break": mode_break,
    }, columns=TREND_COLUMNS)


def _kind_of(label: str) -> str:
    """The kind of a period label, WAVE_KIND for a survey wave's free-text label (FY22Q1, 2021年第二轮)."""
    try:
        return period_kind(label)
    except UnknownNameError:
        return WAVE_KIND


def mode_breaks(con: Connection, sel: Selection, *, indicators: Sequence[str] | None = None,
                by_jurisdiction: bool = True) -> pd.DataFrame:
    """Where the survey mode behind an indicator changes (columns ``BREAK_COLUMNS``).

    For each indicator (and, with ``by_jurisdiction``, each jurisdiction at ``sel.level``; otherwise all
    respondents together, ``jurisdiction`` None), the months with respondents are walked in order and a break is
    reported where the mode mix (each respondent's survey mode, else its batch's; NULL as 'unknown')
    differs from the previous month with respondents — another set of modes, or a mode whose share of the
    respondents moved by more than :data:`MODE_MIX_SHIFT`: ``month_before`` is the last month (first day)
    with the old mix, ``month_after`` the first month with the new one; the change happened between them.
    ``modes_before``/``modes_after`` join the sorted modes with '+', e.g. 'phone' -> 'phone+sms';
    ``mix_before``/``mix_after`` give each mode's share, e.g. 'online 20%, phone 80%'.
    ``sel.jurisdiction_codes`` limits the respondents to those under the given jurisdictions; a scoped
    ``sel.user`` (station role) gets only the jurisdictions it may see. Every month with respondents is
    walked, whatever ``sel.periods`` (a break just before the first period shown still explains it).
    """
    codes = engine.scope_codes(con, sel.user, sel.jurisdiction_codes)
    months = query_df(con, "compare/mode_months", {
        "indicators": list(indicators) if indicators else None, "level": sel.level if by_jurisdiction else None,
        "jurisdictions": list(codes) if codes else None,
    })
    rows = []
    for (indicator, code), group in months.groupby(["indicator", "jurisdiction"], sort=True, dropna=False):
        previous: dict[str, float] | None = None
        previous_month = None
        for month, modes, counts in zip(group["month"], group["modes"], group["mode_respondents"], strict=True):
            total = float(sum(counts))
            current = {str(m): float(c) / total for m, c in zip(modes, counts, strict=True)}
            if previous is not None and _mix_changed(previous, current):
                rows.append({"indicator": indicator, "jurisdiction": None if pd.isna(code) else code,
                             "month_before": pd.Timestamp(previous_month).date(),
                             "month_after": pd.Timestamp(month).date(),
                             "modes_before": "+".join(previous), "modes_after": "+".join(current),
                             "mix_before": _mix_text(previous), "mix_after": _mix_text(current)})
            previous, previous_month = current, month
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


def _mix_changed(before: dict[str, float], after: dict[str, float]) -> bool:
    """Another set of modes, or some mode's share moved by more than MODE_MIX_SHIFT."""
    if set(before) != set(after):
        return True
    return any(abs(before[m] - after[m]) > MODE_MIX_SHIFT for m in before)


def _mix_text(shares: dict[str, float]) -> str:
    return ", ".join(f"{mode} {100 * share:.0f}%" for mode, share in shares.items())


def break_position(month_before: date, month_after: date, kind: str, labels: Sequence[str]) -> float | None:
    """Where to draw a mode break on a category axis of period ``labels`` (positions 0, 1, …).

    When the last month of the old mode and the first month of the new one fall in different periods, the
    break goes between periods: just before the period holding ``month_after`` (position - 0.5), or just
    after the one holding ``month_before`` if the former is off the axis. When both fall in one period,
    the break goes on that period, which mixes both modes. Rolling windows follow the same rule (the first
    window holding the new mode is the one ending in ``month_after``). None when off the axis or ``kind``
    is 'all'.
    """
    if kind == "all":
        return None
    axis = list(labels)
    before = label_for(kind, date(month_before.year, month_before.month, 1))
    after = label_for(kind, date(month_after.year, month_after.month, 1))
    if after in axis:
        return float(axis.index(after)) if after == before else axis.index(after) - 0.5
    if before in axis:
        return axis.index(before) + 0.5
    return None


# --------------------------------------------------------------------------------------------------
# Peer groups
# --------------------------------------------------------------------------------------------------


def _check_group_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean or len(clean) > PEER_NAME_MAX or _CONTROL.search(clean):
        raise CompareError(f"A peer group needs a name of 1 to {PEER_NAME_MAX} characters; got {name!r}.",
                           key="error.compare.group_name", max=PEER_NAME_MAX)
    return clean


def list_peer_groups(con: Connection, user: User | None = None) -> pd.DataFrame:
    """Every peer group member: ``group_name, jurisdiction_code, name_zh, name_en, level``.

    A scoped ``user`` (station role) sees only the members it may see (never a sibling station's name or code).
    """
    groups = query_df(con, "peers/groups")
    visible = visible_codes(con, user) if user is not None else None
    if visible is None:
        return groups
    return groups[groups["jurisdiction_code"].isin(visible)].reset_index(drop=True)


def peer_group_codes(con: Connection, name: str) -> list[str]:
    """The member codes of peer group ``name``; UnknownNameError if there is no such group."""
    groups = list_peer_groups(con)
    codes = list(groups.loc[groups["group_name"] == name, "jurisdiction_code"])
    if not codes:
        raise UnknownNameError(f"No peer group named {name!r}.", key="error.compare.unknown_group", group=name)
    return codes


def save_peer_group(con: Connection, name: str, codes: Sequence[str], *, user: User) -> str:
    """Create or replace peer group ``name`` with ``codes`` (at least 2 jurisdictions of one level); ``user``
    needs the ``definitions`` permission (peer groups define comparisons, like indicator definitions).

    One transaction: the members are replaced, the change is audited (``peers.save``) and the data version
    bumped. Returns the group's level. Call outside an open transaction.
    """
    user.require("definitions")
    clean = _check_group_name(name)
    members = sorted({str(c).strip() for c in codes if str(c).strip()})
    if len(members) < 2:
        raise CompareError("A peer group needs at least 2 jurisdictions.", key="error.compare.group_size")
    known = engine.jurisdictions(con).set_index("code")["level"]
    unknown = [c for c in members if c not in known.index]
    if unknown:
        raise UnknownNameError(f"Unknown jurisdiction code(s): {', '.join(unknown)}.",
                               key="error.compare.unknown_codes", codes=", ".join(unknown))
    levels = sorted(set(known.loc[members]))
    if len(levels) > 1:
        raise CompareError(f"A peer group compares jurisdictions of one level; these are {', '.join(levels)}.",
                           key="error.compare.group_mixed", levels=", ".join(levels))
    with store.transaction(con):
        execute(con, "peers/group_replace", {"group": clean, "codes": list(members)})
        store.audit(con, user.username, "peers.save", {"group": clean, "members": members, "level": levels[0]})
        store.bump_data_version(con)
    return levels[0]


def delete_peer_group(con: Connection, name: str, *, user: User) -> int:
    """Delete peer group ``name`` (``user`` needs ``definitions``; audited as ``peers.remove``); returns the
    number of members removed."""
    user.require("definitions")
    members = peer_group_codes(con, name)
    with store.transaction(con):
        execute(con, "peers/group_delete", {"group": name})
        store.audit(con, user.username, "peers.remove", {"group": name, "members": members})
        store.bump_data_version(con)
    return len(members)


# --------------------------------------------------------------------------------------------------
# Weighting interfaces (CLI ``weights`` and the Weights page): margins file, rake + refresh, summary
# --------------------------------------------------------------------------------------------------


def read_margins(source: str | os.PathLike[str] | bytes) -> pd.DataFrame:
    """Read a margins CSV (UTF-8, with or without BOM, or GBK/GB18030): dimension columns + population.

    Category cells are kept as text (stripped); the population column (``population``, 人口 or 人口数, any
    case) is renamed ``population`` and parsed as a number. Raises :class:`WeightingError` when the file
    cannot be read, has no population column, or a population is not a positive number.
    """
    if isinstance(source, bytes):
        raw = source
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise WeightingError(f"Cannot read the margins file {source}: {exc}", key="error.compare.margins_read",
                                 path=str(source)) from exc
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:  # gb18030 decodes any byte string; kept for type checkers
        raise WeightingError("The margins file is neither UTF-8 nor GBK text.", key="error.compare.margins_encoding")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WeightingError(f"The margins file is not a readable CSV table: {exc}",
                             key="error.compare.margins_csv", message=str(exc)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    pop = [c for c in frame.columns if c.lower() in POPULATION_HEADERS]
    if len(pop) != 1:
        raise WeightingError(
            f"The margins file needs exactly one population column (population / 人口); columns: "
            f"{', '.join(frame.columns)}.", key="error.compare.margins_population", columns=", ".join(frame.columns))
    frame = frame.rename(columns={pop[0]: "population"})
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    values = pd.to_numeric(frame["population"].str.replace(",", "", regex=False), errors="coerce")
    bad = frame.index[~(values > 0)]
    if len(bad):
        row = int(bad[0])
        raise WeightingError(
            f"Row {row + 2} of the margins file has population {frame['population'].iloc[row]!r}; every population "
            "must be a positive number.", key="error.compare.margins_value", row=row + 2,
            value=frame["population"].iloc[row])
    frame["population"] = values.astype(float)
    return frame


def margin_tables(frame: pd.DataFrame, dims: Sequence[Sequence[str]] | None = None
                  ) -> tuple[list[pd.DataFrame], list[list[str]]]:
    """Split a margins table into the margins to rake to: one per list of dimensions.

    ``dims=None`` rakes to the full cross-classification of every non-population column (post-stratification).
    Each margin is the population summed over the other columns, e.g. dims ``[["district", "sex"],
    ["age_band"]]`` on a district × sex × age_band table gives two margins.
    """
    available = [c for c in frame.columns if c != "population"]
    groups = [list(d) for d in dims] if dims else [available]
    margins = []
    for group in groups:
        missing = [d for d in group if d not in available]
        if not group or missing:
            raise WeightingError(
                f"Dimension(s) {', '.join(missing) or '(none)'} are not columns of the margins file; "
                f"its columns: {', '.join(available)}.", key="error.compare.margins_dims",
                dims=", ".join(missing), columns=", ".join(available))
        margins.append(frame.groupby(group, as_index=False, sort=True)["population"].sum())
    return margins, groups


def rakeable_batches(con: Connection, dims: Sequence[Sequence[str]],
                     age_for: str | None = None) -> pd.DataFrame:
    """Loaded survey batches with ``respondents`` and ``complete`` (answered every item dimension).

    ``age_for``: an age-band dimension for which an answer to the ``age`` item (years) counts, as raking
    bands it (:func:`analytics.weighting.banded_dimensions`).
    """
    items = sorted({d for group in dims for d in group if d not in JURISDICTION_DIMS})
    return query_df(con, "weighting/weight_batches", {"items": items, "age_for": age_for,
                                                    "age_item": AGE_YEARS_ITEM})


def margin_label_report(con: Connection, frame: pd.DataFrame, *,
                        dims: Sequence[Sequence[str]] | None = None, batch_ids: Sequence[int] | None = None,
                        recodes: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """How the margins' labels meet the sample's (:func:`analytics.weighting.label_report`), before raking."""
    margins, groups = margin_tables(frame, dims)
    return label_report(con, margins, dims=groups, batch_ids=None if batch_ids is None else list(batch_ids),
                        recodes=recodes)


def proposed_recodes(report: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The recodes a label report proposes: {dimension: {sample label: margin label}}."""
    out: dict[str, dict[str, str]] = {}
    for row in report[(report["side"] == "sample") & report["recode_to"].notna()].itertuples():
        out.setdefault(str(row.dimension), {})[str(row.label)] = str(row.recode_to)
    return out


def _refresh(con: Connection) -> None:
    """Rebuild the indicator cells from the new weights in one transaction, bumping the data version."""
    with store.transaction(con):
        engine.refresh_cells(con)
        store.bump_data_version(con)


def rake_and_refresh(con: Connection, frame: pd.DataFrame, *,
                     dims: Sequence[Sequence[str]] | None = None, batch_ids: Sequence[int] | None = None,
                     trim: tuple[float, float] | None = None, per_batch: bool = False,
                     user: User, recodes: Mapping[str, Mapping[str, str]] | None = None,
                     ) -> list[tuple[list[int], RakeResult]]:
    """Rake the weights to the margins of ``frame`` (see :func:`margin_tables`), then rebuild the cells.

    ``batch_ids=None`` takes every loaded survey batch whose respondents all answered the item dimensions
    (e.g. an SMS survey without sex/age is left out); raises :class:`WeightingError` if none qualifies.
    The chosen batches are raked together as one population (one transaction,
    :func:`analytics.weighting.rake_weights`), or each to the full margins when ``per_batch`` (one
    transaction per batch: a later failure leaves earlier batches raked). ``recodes`` ({dimension: {sample
    label: margin label}}, e.g. from :func:`proposed_recodes`) apply to every run. Returns (batch ids,
    result) per run. ``user`` needs the ``weights`` permission, checked before anything is read.
    """
    user.require("weights")
    margins, groups = margin_tables(frame, dims)
    if batch_ids is None:
        banded = banded_dimensions(margins, groups)
        batches = rakeable_batches(con, groups, age_for=banded[0] if banded else None)
        eligible = batches[(batches["complete"] == batches["respondents"]) & (batches["respondents"] > 0)]
        chosen = [int(b) for b in eligible["batch_id"]]
        if not chosen:
            raise WeightingError("No loaded survey batch has answers to every raking dimension for all its "
                                 "respondents; check the dimension names or choose batches.",
                                 key="error.compare.no_rakeable_batch")
    else:
        chosen = [int(b) for b in batch_ids]
    runs = [[b] for b in chosen] if per_batch else [chosen]
    results = []
    for run_ids in runs:
        results.append((run_ids, rake_weights(con, margins, dims=groups, batch_ids=run_ids, trim=trim,
                                              user=user, recodes=recodes)))
    _refresh(con)
    return results


def reset_and_refresh(con: Connection, *, batch_ids: Sequence[int] | None = None,
                      user: User) -> int:
    """Undo raking (weights = design weights) and rebuild the cells; returns the respondents reset. ``user``
    needs the ``weights`` permission."""
    count = reset_weights(con, None if batch_ids is None else [int(b) for b in batch_ids], user=user)
    _refresh(con)
    return count


def weights_summary(con: Connection, *, batch_ids: Sequence[int] | None = None,
                    user: User | None = None) -> pd.DataFrame:
    """Kish effective n and design effect of the weights in use: overall, per batch and per district.

    Columns ``scope, batch_id, district, name_zh, name_en, n, n_eff, deff, weight_min, weight_max, n_raked``;
    ``scope`` is 'all' (first row), 'batch' or 'district'. n_eff = (Σw)²/Σw² and deff = n/n_eff (Kish 1965)
    over the respondents of loaded batches (``batch_ids`` narrows them; a missing weight is 1); ``n_raked``
    counts respondents whose weight differs from their design weight. Batches raked separately have weights
    on different scales, so read the 'all' and district rows over one raked population (``batch_ids``).
    Per-indicator n_eff (don't-know excluded) is in every estimate. A scoped ``user`` (station role) gets the
    'all' row (the city) and the districts it may see only: batch rows can describe another station's own survey.
    """
    raw = query_df(con, "weighting/weight_summary",
                   {"batches": None if batch_ids is None else [int(b) for b in batch_ids]})
    names = engine.jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
    out = pd.DataFrame({
        "scope": raw["scope"],
        "batch_id": raw["batch_id"].astype("Int64"),
        "district": [None if pd.isna(d) else d for d in raw["district"]],
    }).join(names, on="district")
    out["n"] = raw["n"].astype("int64")
    out["n_eff"] = stats.kish_n_eff(raw["sum_w"], raw["sum_w2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deff"] = raw["n"].to_numpy(float) / out["n_eff"].to_numpy(float)
    out["weight_min"] = raw["weight_min"].astype(float)
    out["weight_max"] = raw["weight_max"].astype(float)
    out["n_raked"] = raw["n_raked"].astype("int64")
    visible = visible_codes(con, user) if user is not None else None
    if visible is not None:
        out = out[(out["scope"] == "all") | ((out["scope"] == "district") & out["district"].isin(visible))]
    return out.reset_index(drop=True)


def last_weighting(con: Connection) -> dict[str, Any] | None:
    """The newest ``weights.rake``/``weights.reset`` audit entry: action, actor, logged_at, detail; or None."""
    rows = fetch_all(con, "weighting/last_weighting")
    if not rows:
        return None
    action, actor, logged_at, detail = rows[0]
    return {"action": action, "actor": actor, "logged_at": logged_at,
            "detail": json.loads(detail) if isinstance(detail, str) else detail}

