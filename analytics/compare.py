"""Comparing jurisdictions with each other (the Compare page): funnel plot, shrinkage, ranks.

Over time (trend tests, survey-mode breaks): :mod:`analytics.trends`; peer groups: :mod:`analytics.peers`;
the Weights page (margins, rake + cell refresh, summary): :mod:`analytics.weights`.

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

Suppression: a jurisdiction whose estimate is suppressed (``flag`` 'suppressed', effective base below the
setting) is listed with class 'suppressed', its bases (n, n_eff) and nothing else: it is left out of p0,
φ, the shrinkage fit and the ranks, and no number derived from its data is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics import engine, stats, store
from analytics.db import Connection, query_df
from analytics.definitions import get_indicator
from analytics.errors import CompareError, UnknownNameError
from analytics.peers import list_peer_groups
from analytics.periods import parse_period
from analytics.presentation import natural_order
from analytics.result import Result
from analytics.selection import Selection

__all__ = ["COMPARE_COLUMNS", "CompareError", "compare_table", "funnel_curve"]

COMPARE_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "n", "n_eff", "base", "estimate", "ci_low", "ci_high", "flag", "overall",
    "limit95_low", "limit95_high", "limit998_low", "limit998_high", "z", "funnel_class", "shrunken", "rank",
    "rank_low", "rank_high",
    # beyond the core set: what the page and exports also show
    "se", "funnel_class_998", "p_value", "p_adjusted", "shrunken_low", "shrunken_high",
]
# Numbers that a suppressed row never carries (its bases n, n_eff and base are shown, as everywhere).
_HIDDEN_WHEN_SUPPRESSED = [c for c in COMPARE_COLUMNS[6:] if c not in ("flag", "funnel_class", "funnel_class_998")]
FUNNEL_LEVELS = (0.95, 0.998)
RANK_SIMULATIONS = 2000
RANK_SEED = 20240101
OVERDISPERSION_TEST_LEVEL = 0.95


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
