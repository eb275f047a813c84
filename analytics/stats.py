"""Pure statistical functions for survey rates and mean scores: intervals, design effects, tests, funnels.

Everything here is numpy/scipy only, vectorised over units (jurisdictions, periods), and free of I/O.
Inputs are array-likes (lists, numpy arrays, pandas Series); outputs are numpy arrays (or floats where
stated). A *rate* is the (weighted) mean of scores in [0, 1]; scores may be fractional (e.g. 0.5 for
"basically satisfied"), so "successes" are sums of scores and need not be integers.

Methods and references
----------------------
* Wilson score interval — Wilson EB (1927) "Probable inference, the law of succession, and statistical
  inference", JASA 22:209; recommended by Agresti A & Coull BA (1998) "Approximate is better than
  'exact' for interval estimation of binomial proportions", Am Stat 52:119. With a Kish effective
  sample size in place of n this is the design-adjusted Wilson interval of Korn EL & Graubard BI (1998)
  "Confidence intervals for proportions with small expected number of positive counts estimated from
  survey data", Survey Methodology 24:193.
* Logit interval — the interval of Lumley's R package ``survey``, ``svyciprop(method = "logit")``:
  a Wald interval for logit(p) with the delta-method standard error se/(p(1-p)), back-transformed,
  with svyciprop's t quantile on the design degrees of freedom (PSUs - strata) when they are given.
* Taylor linearisation of a ratio estimator (the weighted proportion ΣwY/Σw) for stratified
  multistage designs with-replacement PSU approximation — Wolter KM (2007) *Introduction to Variance
  Estimation*, 2nd ed., ch. 6; Lohr SL (2019) *Sampling: Design and Analysis*, 2nd ed., §9.1.
* Kish effective sample size (Σw)²/Σw² and design effect — Kish L (1965) *Survey Sampling*.
* Mean scores: unweighted, the sample mean with se = s/√n (s² with divisor n − 1) and a Student t
  interval on n − 1 df (as statsmodels ``DescrStatsW.tconfint_mean``); weighted, the ratio estimator
  Σwy/Σw with the same Taylor-linearised variance as a weighted proportion (Wolter 2007 ch. 6; Lohr
  2019 §9.1; samplics ``TaylorEstimator("mean")``) and a t interval on the design degrees of freedom
  n_psu − n_strata (Korn EL & Graubard BI (1999) *Analysis of Health Surveys*, §5.2; Lumley's
  ``survey::confint(svymean(...), df = degf(design))``). A mean never gets a proportion's interval.
* Two-proportion z tests (independent samples; pooled for unweighted counts); the difference of two
  independent means (or weighted proportions) by a Wald z test on sqrt(se1² + se2²).
* Benjamini Y & Hochberg Y (1995) "Controlling the false discovery rate", JRSS B 57:289.
* Funnel plots and multiplicative over-dispersion from winsorised z-scores — Spiegelhalter DJ (2005)
  "Funnel plots for comparing institutional performance", Stat Med 24:1185.
* Empirical-Bayes beta-binomial shrinkage — Efron B & Morris C (1975) "Data analysis using Stein's
  estimator and its generalizations", JASA 70:311; Kass RE & Steffey D (1989) JASA 84:717.
* Rank uncertainty by simulation — e.g. Goldstein H & Spiegelhalter DJ (1996) JRSS A 159:385.
* Cochran–Armitage test for trend in proportions — Cochran WG (1954) Biometrics 10:417;
  Armitage P (1955) Biometrics 11:375; the form used is Agresti (2002) *Categorical Data Analysis* §5.3.5.

NaN handling: unless stated otherwise a nan (or an invalid value such as n <= 0) in any input makes the
corresponding output nan; it never raises. Programming errors (mismatched shapes) raise numpy's errors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from analytics.errors import JingminError

# scipy is imported inside the functions that use it, and only its ``special`` and ``optimize`` parts:
# ``scipy.stats`` alone took ~3.7 s to import on the loaded reference machine, more than the whole
# indicator query, while the normal and t quantiles and tails used here are the ``special`` functions
# ``scipy.stats.norm`` / ``scipy.stats.t`` evaluate (ndtri, ndtr, stdtrit), so results are bit-identical
# (tests/unit/test_scipy_stats_free.py). Issue 14.6.

__all__ = [
    "wilson_interval",
    "logit_interval",
    "kish_n_eff",
    "linearized_variance",
    "mean_and_se",
    "t_interval",
    "difference_z_test",
    "small_base_flag",
    "two_proportion_z_test",
    "pooled_two_proportion_z_test",
    "two_sided_p",
    "t_quantile",
    "benjamini_hochberg",
    "funnel_limits",
    "overdispersion_phi",
    "funnel_class",
    "beta_binomial_shrinkage",
    "rank_intervals",
    "cochran_armitage_trend",
]


def _f(x: ArrayLike) -> np.ndarray:
    """Return ``x`` as a float64 numpy array (pandas nullable NA becomes nan)."""
    return np.asarray(x, dtype=np.float64)


def _check_level(level: float) -> float:
    """``level`` as a float after checking it lies in (0, 1)."""
    if not 0.0 < float(level) < 1.0:
        raise JingminError(
            f"The confidence level must be between 0 and 1 (for example 0.95); got {level!r}.",
            key="error.confidence_level", level=level,
        )
    return float(level)


def _z(level: float) -> float:
    """Two-sided standard-normal critical value for a confidence ``level`` in (0, 1)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + _check_level(level) / 2.0))


def t_quantile(q: float, df: ArrayLike) -> np.ndarray:
    """Student-t quantile at probability ``q`` in (0, 1) on ``df`` > 0 degrees of freedom (``t.ppf(q, df)``)."""
    from scipy.special import stdtrit

    return stdtrit(_f(df), q)


def two_sided_p(z: ArrayLike) -> np.ndarray:
    """Two-sided standard-normal p-value ``2 Φ(-|z|)`` (``2 * scipy.stats.norm.sf(|z|)``); nan stays nan."""
    from scipy.special import ndtr

    return 2.0 * ndtr(-np.abs(_f(z)))


# --------------------------------------------------------------------------------------------------
# Intervals and effective sample size
# --------------------------------------------------------------------------------------------------


def wilson_interval(successes: ArrayLike, n: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (Wilson 1927; Agresti & Coull 1998).

    ``successes`` is the number (or the sum of scores, possibly fractional) of successes and ``n`` the
    base; ``n`` may be a Kish effective sample size (float), in which case pass ``successes = p * n_eff``
    (the design-adjusted Wilson interval of Korn & Graubard 1998). Units: proportions in [0, 1].

    Returns ``(low, high)`` broadcast over the inputs. nan where ``n <= 0``, where either input is nan,
    or where ``successes`` lies outside [0, n] (beyond a 1e-9 relative rounding tolerance, which is
    clipped). ``level`` outside (0, 1) raises :class:`JingminError`.
    """
    z = _z(level)
    x, nn = np.broadcast_arrays(_f(successes), _f(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / nn
        tol = 1e-9
        valid = (nn > 0) & (p >= -tol) & (p <= 1 + tol)
        p = np.clip(p, 0.0, 1.0)
        z2n = z * z / nn
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z / (1.0 + z2n) * np.sqrt(p * (1.0 - p) / nn + z2n / (4.0 * nn))
    low = np.where(valid, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(valid, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def logit_interval(
    p: ArrayLike, se: ArrayLike, level: float = 0.95, df: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Logit-scale interval for a proportion (``svyciprop(method="logit")`` of R's ``survey``).

    ``logit(p) ± q * se / (p (1 - p))`` back-transformed with the logistic function, where ``se`` is the
    (design-based) standard error of ``p`` on the proportion scale and ``q`` the two-sided quantile at
    ``level``: Student's t on ``df`` degrees of freedom, or the standard normal when ``df`` is None or
    inf. svyciprop's default is t on ``degf(design)`` = number of PSUs - number of strata, so pass that
    to reproduce it (tests/reference pins both choices to R). The delta method is undefined at ``p`` in
    {0, 1}: there, and where ``p`` is outside [0, 1], ``p``/``se``/``df`` is nan, ``se < 0`` or
    ``df <= 0`` (no degrees of freedom left, e.g. one PSU per stratum), the result is nan (callers fall
    back to a Wilson interval on the effective n). Returns ``(low, high)`` in [0, 1].
    """
    from scipy import special

    z = _z(level)
    if df is None:
        pp, ss = np.broadcast_arrays(_f(p), _f(se))
        q: np.ndarray | float = z
    else:
        pp, ss, dd = np.broadcast_arrays(_f(p), _f(se), _f(df))
        with np.errstate(invalid="ignore"):
            # t.ppf(df=inf) is the normal quantile; df <= 0 or nan gives nan, hence an invalid interval
            q = np.where(dd > 0, t_quantile(0.5 + float(level) / 2.0, np.where(dd > 0, dd, 1.0)), np.nan)
    valid = (pp > 0) & (pp < 1) & (ss >= 0) & np.isfinite(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = special.logit(pp)
        half = q * ss / (pp * (1.0 - pp))
        low = special.expit(centre - half)
        high = special.expit(centre + half)
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def kish_n_eff(sum_w: ArrayLike, sum_w2: ArrayLike) -> np.ndarray:
    """Kish (1965) effective sample size ``(Σw)² / Σw²`` (respondents).

    Equals n for equal weights and is smaller the more unequal the weights; the Kish design effect due
    to weighting is ``n / n_eff``. nan where ``sum_w2 <= 0`` or an input is nan.
    """
    sw, sw2 = np.broadcast_arrays(_f(sum_w), _f(sum_w2))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sw * sw / sw2
    return np.where(sw2 > 0, out, np.nan)


def linearized_variance(
    group: ArrayLike,
    n_psu: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    aa: ArrayLike,
    ab: ArrayLike,
    bb: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Taylor-linearised variance of the weighted proportion or mean ``p = ΣA / ΣB`` per group.

    Input is one row per (group, stratum) of sufficient statistics, additive over respondents:

    * ``group``: int codes 0..G-1 (G = max code + 1; a code with no rows gives nan);
    * ``n_psu``: number of PSUs (clusters, or respondents when there are no clusters) in the stratum;
    * ``a = Σ w y`` and ``b = Σ w`` over the stratum's respondents (y = score: in [0, 1] for a rate, the
      answer's value on its scale for a mean score — the ratio estimator is the same; w = weight);
    * ``aa = Σ_psu (Σ_{i∈psu} w y)²``, ``ab = Σ_psu (Σ w y)(Σ w)``, ``bb = Σ_psu (Σ w)²``.

    With ``z_j = A_j - p B_j`` the linearised total of PSU j, the with-replacement stratified estimator
    (Wolter 2007 §6; Lohr 2019 §9.1) is::

        var(p) = 1/B² Σ_h n_h/(n_h - 1) [ Σ_j z_hj² - (Σ_j z_hj)² / n_h ]
               = 1/B² Σ_h n_h/(n_h - 1) [ aa_h - 2 p ab_h + p² bb_h - (a_h - p b_h)² / n_h ].

    Strata with a single PSU ("lonely PSU") contribute 0, i.e. they are treated as certainty strata;
    this understates the variance when such strata are really sampled. No finite-population
    correction is applied. With one PSU per respondent and one stratum the result is
    ``n/(n-1) Σ w² (y - p)² / (Σ w)²`` (Lumley's ``survey`` and samplics' ``TaylorEstimator``).

    Worked example (one stratum, respondents as PSUs): w = (1, 2, 1), y = (1, 0, 1) gives
    B = 4, A = 2, p = 0.5, Σ w²(y-p)² = 0.25 + 1 + 0.25 = 1.5, var = 3/2 · 1.5 / 16 = 0.140625.

    Returns ``(p, var, B)``, arrays of length G: proportion (or mean), its variance (squared units; clipped
    at 0 against rounding), and the weighted base ΣB. p and var are nan where B <= 0.
    """
    g = np.asarray(group)
    if g.size and not np.issubdtype(g.dtype, np.integer):
        gf = g.astype(np.float64)
        if np.any(gf != np.round(gf)):
            raise ValueError("group must hold integer codes 0..G-1")
        g = gf.astype(np.int64)
    g = g.astype(np.int64, copy=False).ravel()
    if g.size and g.min() < 0:
        raise ValueError("group codes must be non-negative")
    n_groups = int(g.max()) + 1 if g.size else 0
    nh, av, bv, aav, abv, bbv = (_f(v).ravel() for v in (n_psu, a, b, aa, ab, bb))
    a_tot = np.bincount(g, weights=av, minlength=n_groups)
    b_tot = np.bincount(g, weights=bv, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(b_tot > 0, a_tot / b_tot, np.nan)
        pg = p[g]
        resid = av - pg * bv
        inner = aav - 2.0 * pg * abv + pg * pg * bbv - resid * resid / nh
        term = np.where(nh > 1, nh / (nh - 1.0) * inner, 0.0)
        var = np.bincount(g, weights=term, minlength=n_groups) / (b_tot * b_tot)
    var = np.where(b_tot > 0, np.maximum(var, 0.0), np.nan)
    return p, var, b_tot


def mean_and_se(n: ArrayLike, sum_y: ArrayLike, sum_y2: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted mean score and its standard error from sufficient statistics.

    ``n`` answers (don't-know excluded), ``sum_y = Σy`` and ``sum_y2 = Σy²`` in the scale's units.
    Mean ``ȳ = Σy/n``; sample variance ``s² = (Σy² − n ȳ²)/(n − 1)`` (clipped at 0 against rounding);
    ``se = s/√n`` (simple random sampling, no finite-population correction — statsmodels
    ``DescrStatsW(y).std_mean``). Worked example: y = (6, 8, 10) gives ȳ = 8, s² = 4, se = 2/√3 ≈ 1.1547.
    Returns ``(mean, se)``: mean nan where n <= 0, se nan where n < 2.
    """
    nn, sy, sy2 = np.broadcast_arrays(_f(n), _f(sum_y), _f(sum_y2))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(nn > 0, sy / nn, np.nan)
        var = np.maximum((sy2 - nn * mean * mean) / (nn - 1.0), 0.0)
        se = np.where(nn > 1, np.sqrt(var / nn), np.nan)
    return mean, se


def t_interval(
    estimate: ArrayLike, se: ArrayLike, df: ArrayLike, level: float = 0.95,
    lower: ArrayLike | None = None, upper: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval ``estimate ± t_{df, (1+level)/2} · se``, optionally clipped to [lower, upper].

    For a mean score: ``df`` is n − 1 unweighted and n_psu − n_strata for a design-based (weighted)
    estimate. The clip keeps the interval on the answer scale (a mean of 0..10 answers cannot exceed
    10); it only matters for tiny or extreme samples. nan where an input is nan, ``se < 0`` or
    ``df < 1``.
    """
    tq_level = 0.5 + _check_level(level) / 2.0
    est, ss, dd = np.broadcast_arrays(_f(estimate), _f(se), _f(df))
    valid = np.isfinite(est) & np.isfinite(ss) & (ss >= 0) & (dd >= 1)
    with np.errstate(invalid="ignore"):
        q = t_quantile(tq_level, np.where(valid, dd, 1.0))
        low = est - q * ss
        high = est + q * ss
    if lower is not None:
        low = np.maximum(low, _f(lower))
    if upper is not None:
        high = np.minimum(high, _f(upper))
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def small_base_flag(n_eff: ArrayLike, suppress_below: float = 30, caution_below: float = 50) -> np.ndarray:
    """Reliability flag from the effective base: ``'suppressed'`` | ``'caution'`` | ``'ok'``.

    ``n_eff < suppress_below`` (or nan) is ``'suppressed'``; ``n_eff < caution_below`` is ``'caution'``;
    otherwise ``'ok'``. Thresholds are in respondents (effective n, Kish 1965).
    """
    n = _f(n_eff)
    suppressed = ~(n >= suppress_below)  # nan compares False -> suppressed
    caution = n < caution_below
    return np.where(suppressed, "suppressed", np.where(caution, "caution", "ok"))


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def two_proportion_z_test(
    p1: ArrayLike, se1: ArrayLike, p2: ArrayLike, se2: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Wald z test for ``p2 - p1`` from two independent (design-based) estimates and their SEs.

    ``z = (p2 - p1) / sqrt(se1² + se2²)``, two-sided p from the standard normal. Assumes the samples are
    independent (e.g. different jurisdictions, or the same one in non-overlapping periods). nan where an
    input is nan or both SEs are 0.
    """
    a, s1, b, s2 = np.broadcast_arrays(_f(p1), _f(se1), _f(p2), _f(se2))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(s1 * s1 + s2 * s2)
        z = np.where(se > 0, (b - a) / se, np.nan)
    return z, two_sided_p(z)


def difference_z_test(
    est1: ArrayLike, se1: ArrayLike, est2: ArrayLike, se2: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wald z test of ``est2 − est1`` for two independent estimates (means or rates) with their SEs.

    ``se_diff = sqrt(se1² + se2²)``, ``z = (est2 − est1)/se_diff``, two-sided p from the standard normal
    (large-sample; for mean scores this is the unequal-variance, Welch-type comparison without the df
    correction). Returns ``(se_diff, z, p)``; z and p are nan where se_diff is 0 or an input is nan.
    """
    a, s1, b, s2 = np.broadcast_arrays(_f(est1), _f(se1), _f(est2), _f(se2))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(s1 * s1 + s2 * s2)
        z = np.where(se > 0, (b - a) / se, np.nan)
    return se, z, two_sided_p(z)


def pooled_two_proportion_z_test(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Classical unweighted z test for ``p2 - p1`` with the pooled SE under H0: p1 = p2.

    ``p̂ = (x1 + x2)/(n1 + n2)``, ``se = sqrt(p̂(1-p̂)(1/n1 + 1/n2))``, ``z = (x2/n2 - x1/n1)/se``.
    Counts may be fractional sums of scores. nan where a base is <= 0 or the pooled p is 0 or 1.
    """
    a, m, b, k = np.broadcast_arrays(_f(x1), _f(n1), _f(x2), _f(n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (a + b) / (m + k)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / m + 1.0 / k))
        ok = (m > 0) & (k > 0) & (se > 0)
        z = np.where(ok, (b / k - a / m) / se, np.nan)
    return z, two_sided_p(z)


def benjamini_hochberg(pvalues: ArrayLike) -> np.ndarray:
    """Benjamini–Hochberg (1995) adjusted p-values (false discovery rate), same shape as the input.

    nan p-values stay nan and are excluded from the number of tests m. Adjusted values are
    ``min_{j >= i} m p_(j) / j`` capped at 1 (the step-up procedure's q-values).
    """
    p = _f(pvalues)
    flat = p.ravel()
    out = np.full(flat.shape, np.nan)
    ok = ~np.isnan(flat)
    m = int(ok.sum())
    if m:
        vals = flat[ok]
        order = np.argsort(vals, kind="stable")
        ranked = vals[order] * m / np.arange(1, m + 1)
        adj = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        res = np.empty(m)
        res[order] = adj
        out[ok] = res
    return out.reshape(p.shape)


# --------------------------------------------------------------------------------------------------
# Funnel plots (Spiegelhalter 2005)
# --------------------------------------------------------------------------------------------------


def funnel_limits(
    p0: float, base: ArrayLike, levels: Sequence[float] = (0.95, 0.998), phi: float = 1.0
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Funnel-plot control limits around a target proportion ``p0`` (Spiegelhalter 2005, normal approx.).

    For each level: ``p0 ± z_{(1+level)/2} sqrt(phi p0 (1 - p0) / base)`` clipped to [0, 1], where
    ``base`` is the (effective) sample size and ``phi`` a multiplicative over-dispersion factor
    (1 = none). Returns ``{level: (low, high)}``; limits are nan where ``base <= 0`` or nan.
    """
    nb = _f(base)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(nb > 0, np.sqrt(float(phi) * p0 * (1.0 - p0) / nb), np.nan)
    out: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for level in levels:
        z = _z(level)
        out[level] = (np.clip(p0 - z * sd, 0.0, 1.0), np.clip(p0 + z * sd, 0.0, 1.0))
    return out


def overdispersion_phi(p: ArrayLike, base: ArrayLike, p0: float, winsor: float = 0.1) -> float:
    """Multiplicative over-dispersion factor from winsorised z-scores (Spiegelhalter 2005, §4.2).

    ``z_i = (p_i - p0) / sqrt(p0 (1 - p0) / base_i)``; the ``floor(k·winsor)`` smallest z-scores are set
    to the next-smallest retained one and the same number of largest to the next-largest retained
    (winsorising at the ``winsor`` and ``1 - winsor`` points), then ``phi = (1/k) Σ z_w²`` over the k
    units with finite p and positive base.

    The estimate is returned as is (it can be < 1). The caller should inflate funnel limits only when
    phi > 1 (and, following Spiegelhalter, preferably only if k·phi exceeds the chi-square critical
    value on k-1 degrees of freedom). nan when no unit is usable or p0 is not in (0, 1).
    """
    pp, nb = np.broadcast_arrays(_f(p), _f(base))
    if not 0.0 < p0 < 1.0:
        return float("nan")
    ok = np.isfinite(pp) & np.isfinite(nb) & (nb > 0)
    z = np.sort((pp[ok] - p0) / np.sqrt(p0 * (1.0 - p0) / nb[ok]))
    k = z.size
    if k == 0:
        return float("nan")
    cut = int(np.floor(k * winsor))
    if cut > 0 and k - 2 * cut > 0:
        z = np.clip(z, z[cut], z[k - 1 - cut])
    return float(np.mean(z * z))


def funnel_class(
    p: ArrayLike, base: ArrayLike, p0: float, phi: float = 1.0, level: float = 0.95
) -> np.ndarray:
    """Classify units against funnel limits: ``'above'`` | ``'within'`` | ``'below'``.

    A unit is 'above' if ``p`` exceeds the upper limit of :func:`funnel_limits` at ``level`` (with
    over-dispersion ``phi``), 'below' if under the lower limit, else 'within' (on a limit counts as
    within). Units whose ``p`` or ``base`` is nan (or base <= 0) cannot be placed and are labelled
    ``'na'``, so that missing data is never shown as "as expected".
    """
    pp, nb = np.broadcast_arrays(_f(p), _f(base))
    low, high = funnel_limits(p0, nb, levels=(level,), phi=phi)[level]
    ok = np.isfinite(pp) & np.isfinite(low)
    return np.where(~ok, "na", np.where(pp > high, "above", np.where(pp < low, "below", "within")))


# --------------------------------------------------------------------------------------------------
# Shrinkage and ranking
# --------------------------------------------------------------------------------------------------


def _betabinom_negloglik(theta: np.ndarray, x: np.ndarray, n: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative beta-binomial log-likelihood (up to a constant) in (log α, log β), with its gradient."""
    from scipy import special

    alpha, beta = np.exp(theta)
    ll = np.sum(special.betaln(x + alpha, n - x + beta)) - x.size * special.betaln(alpha, beta)
    dsum = special.digamma(n + alpha + beta)
    d_ab = special.digamma(alpha + beta)
    g_alpha = np.sum(special.digamma(x + alpha) - dsum) - x.size * (special.digamma(alpha) - d_ab)
    g_beta = np.sum(special.digamma(n - x + beta) - dsum) - x.size * (special.digamma(beta) - d_ab)
    return -float(ll), -np.array([g_alpha * alpha, g_beta * beta])


def beta_binomial_shrinkage(x: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, float, float]:
    """Empirical-Bayes shrinkage of unit proportions x/n towards a fitted beta prior.

    Model: ``x_i | π_i ~ Binomial(n_i, π_i)``, ``π_i ~ Beta(α, β)`` (Efron & Morris 1975; Kass &
    Steffey 1989). α and β are fitted by maximising the marginal (beta-binomial) likelihood
    ``Σ_i [lnB(x_i + α, n_i - x_i + β) - lnB(α, β)]`` over (log α, log β) with L-BFGS-B, started from
    the method of moments; the continuous extension via log-gamma allows fractional x (sums of scores,
    or ``p · n_eff`` for weighted data). Posterior means ``(x_i + α) / (n_i + α + β)`` are returned.
    When units show no extra-binomial variation α + β runs to its upper bound (~e^20) and every unit is
    pulled to the pooled rate — the correct answer in that case.

    Units with nan, ``n <= 0`` or x outside [0, n] are excluded from the fit and get nan.
    Raises :class:`JingminError` when fewer than 3 units are usable. Returns ``(shrunken, alpha, beta)``.
    """
    xx, nn = np.broadcast_arrays(_f(x), _f(n))
    shape = xx.shape
    xx, nn = xx.ravel(), nn.ravel()
    ok = np.isfinite(xx) & np.isfinite(nn) & (nn > 0) & (xx >= 0) & (xx <= nn)
    k = int(ok.sum())
    if k < 3:
        raise JingminError(
            f"Empirical-Bayes shrinkage needs at least 3 units with a positive base; only {k} available. "
            "Choose a larger area (more stations) or turn shrinkage off.",
            key="error.shrinkage_too_few", units=k,
        )
    xs, ns = xx[ok], nn[ok]
    # Method-of-moments start: var(p_i) ≈ m(1-m)[mean(1/n) + ρ(1 - mean(1/n))], ρ = 1/(α+β+1).
    ps = xs / ns
    m = float(np.clip(xs.sum() / ns.sum(), 1e-3, 1 - 1e-3))
    inv_n = float(np.mean(1.0 / ns))
    s2 = float(np.var(ps, ddof=1))
    rho = (s2 / (m * (1.0 - m)) - inv_n) / max(1.0 - inv_n, 1e-9)
    rho = float(np.clip(rho, 1e-4, 0.5))
    total = 1.0 / rho - 1.0
    start = np.log([m * total, (1.0 - m) * total])
    from scipy import optimize

    res = optimize.minimize(
        _betabinom_negloglik, start, args=(xs, ns), jac=True, method="L-BFGS-B",
        bounds=[(-15.0, 20.0), (-15.0, 20.0)],
    )
    alpha, beta = (float(v) for v in np.exp(res.x))
    out = np.full(xx.shape, np.nan)
    out[ok] = (xs + alpha) / (ns + alpha + beta)
    return out.reshape(shape), alpha, beta


def rank_intervals(
    estimate: ArrayLike, se: ArrayLike, n_sim: int = 2000, seed: int = 12345, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uncertainty of league-table ranks by simulation (rank 1 = highest estimate).

    Draws ``n_sim`` replicates ``est_i + se_i · ε``, ε ~ N(0, 1) independent across units, ranks each
    replicate (ties share the best rank, as ``scipy.stats.rankdata(method="min")``) and returns
    ``(median rank, low, high)`` per unit. The median is the usual one (the mean of the two middle ranks
    when ``n_sim`` is even); low/high are the ``(1-level)/2`` and ``(1+level)/2`` quantiles of the
    simulated ranks taken as observed ranks (numpy's ``method="lower"`` and ``"higher"``: the
    ⌊(n_sim-1)·q⌋-th and ⌈(n_sim-1)·q⌉-th smallest, 0-based), so the interval is integer-valued and
    conservative. Deterministic for a given ``seed``. Units with nan estimate or se (or se < 0) are not
    ranked and get nan; the others are ranked among themselves. Assumes independent, approximately
    normal estimates. ``n_sim`` < 1 raises ValueError.

    Implementation: one argsort per replicate gives the ranks; the order statistics are read from
    per-unit counts of the integer ranks (or, when there are more units than replicates, from one sort
    of (unit, rank) keys, so memory stays O(n_sim · units)). The result equals rankdata followed by
    ``np.median``/``np.quantile`` exactly (tests/unit/test_stats.py pins this).
    """
    _z(level)  # validates level
    n = int(n_sim)
    if n < 1:
        raise ValueError(f"n_sim must be at least 1; got {n_sim!r}")
    est, s = np.broadcast_arrays(_f(estimate), _f(se))
    shape = est.shape
    est, s = est.ravel(), s.ravel()
    ok = np.isfinite(est) & np.isfinite(s) & (s >= 0)
    med = np.full(est.shape, np.nan)
    low = np.full(est.shape, np.nan)
    high = np.full(est.shape, np.nan)
    if ok.any():
        k = int(ok.sum())
        rng = np.random.default_rng(seed)
        sims = est[ok] + s[ok] * rng.standard_normal((n, k))
        np.negative(sims, out=sims)  # rank 1 = highest estimate
        order = np.argsort(sims, axis=1)
        srt = np.take_along_axis(sims, order, axis=1)
        # A tie run takes the rank of its first sorted position ("min" ranks): mark where each run starts
        # and carry that position forward.
        run_start = np.empty(srt.shape, dtype=bool)
        run_start[:, 0] = True
        np.not_equal(srt[:, 1:], srt[:, :-1], out=run_start[:, 1:])
        rank0 = np.where(run_start, np.arange(k), 0)
        np.maximum.accumulate(rank0, axis=1, out=rank0)
        # key = unit · k + 0-based rank; every unit occurs once per replicate, so n times in all.
        keys = order
        keys *= k
        keys += rank0
        alpha = (1.0 - level) / 2.0
        # The same index arithmetic as np.quantile's "lower"/"higher" methods, so the picks are identical.
        picks = [(n - 1) // 2, n // 2, int(np.floor((n - 1) * alpha)), int(np.ceil((n - 1) * (1.0 - alpha)))]
        if k <= n:
            # The k × k table of counts is no bigger than the draws, and counting beats sorting n·k keys.
            cum = np.bincount(keys.ravel(), minlength=k * k).reshape(k, k)
            np.cumsum(cum, axis=1, out=cum)
            # The j-th smallest rank is the first rank whose cumulative count exceeds j.
            mid_a, mid_b, lo, hi = ((cum > j).argmax(axis=1) + 1.0 for j in picks)
        else:
            per_unit = np.sort(keys, axis=None).reshape(k, n) - (np.arange(k) * k)[:, None]
            mid_a, mid_b, lo, hi = (per_unit[:, j] + 1.0 for j in picks)
        med[ok] = (mid_a + mid_b) / 2.0
        low[ok] = lo
        high[ok] = hi
    return med.reshape(shape), low.reshape(shape), high.reshape(shape)


def cochran_armitage_trend(
    successes: ArrayLike, n: ArrayLike, scores: ArrayLike | None = None
) -> tuple[float, float]:
    """Cochran (1954) – Armitage (1955) test for a linear trend in proportions over ordered periods.

    With period scores t_i (default 0, 1, 2, ...), N = Σ n_i and p̄ = Σ x_i / N::

        T = Σ t_i (x_i - n_i p̄),  Var(T) = p̄ (1 - p̄) [Σ n_i t_i² - (Σ n_i t_i)² / N],  z = T / sqrt(Var)

    (Agresti 2002 §5.3.5; the linear-by-linear statistic M² = (N-1) r² differs by the factor N/(N-1)).
    Positive z means rising rates. Assumes independent binomial counts, so for weighted data pass
    ``x = p · n_eff`` and ``n = n_eff``. Periods with nan or ``n <= 0`` are dropped; with fewer than two
    usable periods, or no variation in p̄ or scores, returns ``(nan, nan)``.
    Returns ``(z, two-sided p)``.
    """
    x = _f(successes).ravel()
    nn = _f(n).ravel()
    t = np.arange(x.size, dtype=np.float64) if scores is None else _f(scores).ravel()
    ok = np.isfinite(x) & np.isfinite(nn) & np.isfinite(t) & (nn > 0)
    x, nn, t = x[ok], nn[ok], t[ok]
    if x.size < 2:
        return float("nan"), float("nan")
    total = nn.sum()
    pbar = x.sum() / total
    stat = float(np.sum(t * (x - nn * pbar)))
    var = pbar * (1.0 - pbar) * (np.sum(nn * t * t) - np.sum(nn * t) ** 2 / total)
    if not var > 0:
        return float("nan"), float("nan")
    z = stat / float(np.sqrt(var))
    return z, float(two_sided_p(z))
