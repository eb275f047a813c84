"""Pin every method in analytics.stats against an independent implementation or a hand computation.

References used: statsmodels (Wilson, z tests, BH, linear-by-linear trend test), samplics'
TaylorEstimator (design-based SE of a weighted proportion), closed forms written out here.
Tolerances are stated at each assertion.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics import stats
from analytics.errors import JingminError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # samplics warns that it is archived
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam


# --------------------------------------------------------------------------------------------------
# Wilson
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels_on_grid(level: float) -> None:
    n = np.array([1, 2, 5, 10, 30, 50, 100, 1000, 12345])
    xs, ns = [], []
    for nn in n:
        for x in np.unique(np.linspace(0, nn, 7).round()):
            xs.append(x)
            ns.append(nn)
    xs_a, ns_a = np.array(xs), np.array(ns)
    low, high = stats.wilson_interval(xs_a, ns_a, level)
    ref_low, ref_high = proportion_confint(xs_a, ns_a, alpha=1 - level, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(high, ref_high, rtol=1e-10, atol=1e-14)


def test_wilson_fractional_successes_closed_form() -> None:
    # x = 7.5 of n_eff = 23.4 at 95%: the closed form written out independently.
    x, n, z = 7.5, 23.4, sps.norm.ppf(0.975)
    p = x / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low, high = stats.wilson_interval([x], [n])
    np.testing.assert_allclose(low, [centre - half], rtol=1e-12)
    np.testing.assert_allclose(high, [centre + half], rtol=1e-12)
    # by hand: p = 0.32051, z²/n = 0.16417, centre = 0.34576, half-width = 0.17706
    assert low[0] == pytest.approx(0.1687, abs=5e-4)
    assert high[0] == pytest.approx(0.5228, abs=5e-4)


def test_wilson_nan_and_invalid() -> None:
    low, high = stats.wilson_interval(pd.Series([1.0, 0.0, np.nan, 5.0, 3.0]), [0, -1, 10, 4, 10])
    assert np.isnan(low[:4]).all() and np.isnan(high[:4]).all()
    assert np.isfinite(low[4]) and np.isfinite(high[4])
    with pytest.raises(JingminError, match="confidence level"):
        stats.wilson_interval([1], [2], level=95)


# --------------------------------------------------------------------------------------------------
# Logit interval, Kish
# --------------------------------------------------------------------------------------------------


def test_logit_interval_hand_computation() -> None:
    p, se = 0.2, 0.05
    # logit(0.2) = ln(0.25) = -1.386294; se_logit = 0.05 / 0.16 = 0.3125; z = 1.959964
    lo_l = np.log(0.25) - 1.959963984540054 * 0.3125
    hi_l = np.log(0.25) + 1.959963984540054 * 0.3125
    low, high = stats.logit_interval([p], [se])
    np.testing.assert_allclose(low, [1 / (1 + np.exp(-lo_l))], rtol=1e-12)
    np.testing.assert_allclose(high, [1 / (1 + np.exp(-hi_l))], rtol=1e-12)
    assert low[0] == pytest.approx(0.11924, abs=1e-4)
    assert high[0] == pytest.approx(0.31566, abs=1e-4)


def test_logit_interval_nan_cases() -> None:
    low, high = stats.logit_interval([0.0, 1.0, 0.3, 0.3, 0.3], [0.1, 0.1, np.nan, -0.1, 0.0])
    assert np.isnan(low[:4]).all() and np.isnan(high[:4]).all()
    assert low[4] == pytest.approx(0.3) and high[4] == pytest.approx(0.3)


def test_kish_n_eff_definition() -> None:
    w = np.array([1.0, 2.0, 3.0, 0.5])
    assert stats.kish_n_eff([w.sum()], [np.sum(w**2)])[0] == pytest.approx(6.5**2 / 14.25, rel=1e-14)
    np.testing.assert_allclose(stats.kish_n_eff([10.0, 4.0, 3.0], [10.0, 4.0, 0.0]), [10.0, 4.0, np.nan])


# --------------------------------------------------------------------------------------------------
# Linearised variance vs samplics
# --------------------------------------------------------------------------------------------------


def _sample(seed: int, n: int = 400, n_strata: int = 3, n_clusters: int | None = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "group": rng.integers(0, 3, n),
        "stratum": rng.integers(0, n_strata, n),
        "w": rng.uniform(0.3, 4.0, n),
    })
    df["y"] = (rng.random(n) < 0.2 + 0.15 * df["group"]).astype(float)
    if n_clusters is None:
        df["psu"] = np.arange(n)
    else:  # clusters nested in strata: unique ids across strata
        df["psu"] = df["stratum"] * 1000 + rng.integers(0, n_clusters, n)
    return df


def _sufficient(df: pd.DataFrame) -> pd.DataFrame:
    d = df.assign(wy=df["w"] * df["y"])
    psu = d.groupby(["group", "stratum", "psu"], as_index=False).agg(A=("wy", "sum"), B=("w", "sum"))
    psu = psu.assign(AA=psu["A"] ** 2, AB=psu["A"] * psu["B"], BB=psu["B"] ** 2)
    return psu.groupby(["group", "stratum"], as_index=False).agg(
        n_psu=("psu", "size"), a=("A", "sum"), b=("B", "sum"), aa=("AA", "sum"), ab=("AB", "sum"),
        bb=("BB", "sum"),
    )


def _samplics(df: pd.DataFrame, param: PopParam, strata: bool) -> tuple[dict, dict]:
    est = TaylorEstimator(param)
    y = df["y"].astype(int).to_numpy() if param == PopParam.prop else df["y"].to_numpy()
    est.estimate(
        y=y, samp_weight=df["w"].to_numpy(), stratum=df["stratum"].to_numpy() if strata else None,
        psu=df["psu"].to_numpy(), by=df["group"].to_numpy(),
    )
    return est.point_est, est.stderror


@pytest.mark.parametrize(
    ("strata", "clusters", "param"),
    [(True, 12, PopParam.mean), (True, None, PopParam.prop), (False, 15, PopParam.mean),
     (False, None, PopParam.mean)],
)
def test_linearized_variance_matches_samplics(strata: bool, clusters: int | None, param: PopParam) -> None:
    df = _sample(7, n_strata=3 if strata else 1, n_clusters=clusters)
    suff = _sufficient(df)
    p, var, base = stats.linearized_variance(
        suff["group"], suff["n_psu"], suff["a"], suff["b"], suff["aa"], suff["ab"], suff["bb"]
    )
    ref_p, ref_se = _samplics(df, param, strata)
    for g in range(3):
        rp = ref_p[g][1] if param == PopParam.prop else ref_p[g]
        rse = ref_se[g][1] if param == PopParam.prop else ref_se[g]
        assert p[g] == pytest.approx(rp, rel=1e-8)
        assert np.sqrt(var[g]) == pytest.approx(rse, rel=1e-8)
        assert base[g] == pytest.approx(df.loc[df["group"] == g, "w"].sum(), rel=1e-12)


def test_linearized_variance_fractional_scores_residual_reference() -> None:
    # Fractional scores (0, 0.5, 1), one PSU per respondent, no strata: reference by explicit residuals.
    rng = np.random.default_rng(3)
    n = 250
    w = rng.uniform(0.5, 2.5, n)
    y = rng.choice([0.0, 0.5, 1.0], n)
    p_ref = np.sum(w * y) / np.sum(w)
    var_ref = n / (n - 1) * np.sum(w**2 * (y - p_ref) ** 2) / np.sum(w) ** 2
    p, var, _ = stats.linearized_variance(
        [0], [n], [np.sum(w * y)], [np.sum(w)], [np.sum((w * y) ** 2)], [np.sum(w * w * y)], [np.sum(w**2)]
    )
    assert p[0] == pytest.approx(p_ref, rel=1e-12)
    assert var[0] == pytest.approx(var_ref, rel=1e-8)


def test_linearized_variance_hand_example_and_lonely_psu() -> None:
    # Docstring example: w = (1, 2, 1), y = (1, 0, 1): p = 0.5, var = 3/2 * 1.5 / 16 = 0.140625.
    w, y = np.array([1.0, 2.0, 1.0]), np.array([1.0, 0.0, 1.0])
    rows = dict(group=[0], n_psu=[3], a=[np.sum(w * y)], b=[4.0], aa=[np.sum((w * y) ** 2)],
                ab=[np.sum(w * w * y)], bb=[np.sum(w * w)])
    p, var, base = stats.linearized_variance(**rows)
    assert p[0] == 0.5 and base[0] == 4.0
    assert var[0] == pytest.approx(0.140625, rel=1e-14)
    # Adding a lonely-PSU stratum (n_h = 1) to the same group changes p and B but adds no variance term.
    p2, var2, base2 = stats.linearized_variance(
        group=[0, 0], n_psu=[3, 1], a=[2.0, 3.0], b=[4.0, 3.0], aa=[2.0, 9.0], ab=[2.0, 9.0], bb=[6.0, 9.0]
    )
    pp = 5.0 / 7.0
    resid = np.array([1 - pp, -2 * pp, 1 - pp])  # w*(y - p) for the three respondents
    expected = 1.5 * (np.sum(resid**2) - resid.sum() ** 2 / 3) / 49.0
    assert p2[0] == pytest.approx(pp) and base2[0] == 7.0
    assert var2[0] == pytest.approx(expected, rel=1e-12)


def test_linearized_variance_empty_group_is_nan() -> None:
    p, var, base = stats.linearized_variance([0, 2], [5, 5], [1, 2], [3, 4], [1, 1], [1, 1], [2, 4])
    assert p.shape == (3,) and np.isnan(p[1]) and np.isnan(var[1]) and base[1] == 0


def test_small_base_flag() -> None:
    flags = stats.small_base_flag([10, 29.99, 30, 49.9, 50, 1e4, np.nan])
    assert flags.tolist() == ["suppressed", "suppressed", "caution", "caution", "ok", "ok", "suppressed"]
    assert stats.small_base_flag([40], suppress_below=45, caution_below=60).tolist() == ["suppressed"]


# --------------------------------------------------------------------------------------------------
# z tests and BH
# --------------------------------------------------------------------------------------------------


def test_two_proportion_z_test_hand() -> None:
    z, p = stats.two_proportion_z_test([0.40, 0.5], [0.03, 0.0], [0.50, 0.5], [0.04, 0.0])
    assert z[0] == pytest.approx(0.1 / 0.05, rel=1e-12)
    assert p[0] == pytest.approx(0.04550026389635842, rel=1e-10)
    assert np.isnan(z[1]) and np.isnan(p[1])


def test_pooled_z_test_matches_statsmodels() -> None:
    cases = [(30, 100, 45, 110), (5, 20, 3, 25), (200, 1000, 260, 1100), (12.5, 40, 20.0, 41)]
    for x1, n1, x2, n2 in cases:
        z, p = stats.pooled_two_proportion_z_test([x1], [n1], [x2], [n2])
        ref_z, ref_p = proportions_ztest([x2, x1], [n2, n1])  # statsmodels tests first - second
        assert z[0] == pytest.approx(ref_z, rel=1e-10)
        assert p[0] == pytest.approx(ref_p, rel=1e-10)
    z, _ = stats.pooled_two_proportion_z_test([0, 1], [0, 10], [1, 0], [10, 10])
    assert np.isnan(z[0])


def test_benjamini_hochberg_matches_statsmodels() -> None:
    rng = np.random.default_rng(11)
    pv = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 40)])
    ref = multipletests(pv, method="fdr_bh")[1]
    np.testing.assert_allclose(stats.benjamini_hochberg(pv), ref, rtol=1e-12)
    with_nan = pv.copy()
    with_nan[[3, 17]] = np.nan
    got = stats.benjamini_hochberg(pd.Series(with_nan))
    assert np.isnan(got[[3, 17]]).all()
    keep = ~np.isnan(with_nan)
    np.testing.assert_allclose(got[keep], multipletests(with_nan[keep], method="fdr_bh")[1], rtol=1e-12)
    np.testing.assert_allclose(stats.benjamini_hochberg([0.01, 0.04, 0.03]), [0.03, 0.04, 0.04], rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# Funnel
# --------------------------------------------------------------------------------------------------


def test_funnel_limits_closed_form() -> None:
    lim = stats.funnel_limits(0.8, [100, 400])
    sd = np.sqrt(0.8 * 0.2 / np.array([100, 400]))  # 0.04, 0.02
    np.testing.assert_allclose(lim[0.95][0], 0.8 - 1.959963984540054 * sd, rtol=1e-12)
    np.testing.assert_allclose(lim[0.95][1], 0.8 + 1.959963984540054 * sd, rtol=1e-12)
    np.testing.assert_allclose(lim[0.998][1], 0.8 + 3.090232306167813 * sd, rtol=1e-12)
    assert lim[0.998][1][0] == pytest.approx(0.92361, abs=1e-5)
    lim2 = stats.funnel_limits(0.9, [10], levels=(0.998,), phi=2.0)
    assert lim2[0.998][1][0] == 1.0  # clipped
    assert lim2[0.998][0][0] == pytest.approx(0.9 - 3.090232306167813 * np.sqrt(2 * 0.09 / 10))


def test_overdispersion_phi_constructed() -> None:
    # base 100, p0 = 0.5 -> sd 0.05; z-scores -3..+3 plus two outliers at +/-10 (k = 10, 1 trimmed each side)
    z = np.array([-10.0, -3, -2, -1, 0, 0, 1, 2, 3, 10])
    p = 0.5 + 0.05 * z
    phi = stats.overdispersion_phi(p, np.full(10, 100.0), 0.5, winsor=0.1)
    zw = np.array([-3.0, -3, -2, -1, 0, 0, 1, 2, 3, 3])
    assert phi == pytest.approx(np.mean(zw**2), rel=1e-12)
    assert phi == pytest.approx(46 / 10, rel=1e-12)  # 9+9+4+1+0+0+1+4+9+9 = 46
    assert stats.overdispersion_phi(p, np.full(10, 100.0), 0.5, winsor=0.0) == pytest.approx(228 / 10)


def test_funnel_class() -> None:
    # base 100, p0 0.5: 95% limits 0.5 ± 0.098
    cls = stats.funnel_class([0.61, 0.5, 0.39, 0.55, np.nan], [100, 100, 100, 100, 100], 0.5)
    assert cls.tolist() == ["above", "within", "below", "within", "na"]
    # over-dispersion widens the limits: 0.61 is within when phi = 2 (limits 0.5 ± 0.1386)
    assert stats.funnel_class([0.61], [100], 0.5, phi=2.0).tolist() == ["within"]


# --------------------------------------------------------------------------------------------------
# Shrinkage and ranks
# --------------------------------------------------------------------------------------------------


def test_beta_binomial_recovers_parameters() -> None:
    rng = np.random.default_rng(2024)
    alpha, beta = 6.0, 4.0
    n = rng.integers(20, 200, 3000)
    pi = rng.beta(alpha, beta, n.size)
    x = rng.binomial(n, pi)
    _, a_hat, b_hat = stats.beta_binomial_shrinkage(x, n)
    assert a_hat == pytest.approx(alpha, rel=0.15)
    assert b_hat == pytest.approx(beta, rel=0.15)
    assert a_hat / (a_hat + b_hat) == pytest.approx(0.6, abs=0.01)


def test_beta_binomial_shrinks_small_units_more_and_fractional_x() -> None:
    rng = np.random.default_rng(5)
    n = np.array([10, 1000] * 20)
    x = rng.binomial(n, rng.beta(8, 2, n.size)).astype(float)
    x[0] = 10.0  # small unit at 100%
    x[1] = 1000.0  # large unit at 100%
    x[2] = 7.5  # fractional successes
    shrunk, a_hat, b_hat = stats.beta_binomial_shrinkage(x, n)
    raw = x / n
    move = np.abs(shrunk - raw)
    assert move[0] > 10 * move[1]
    assert np.median(move[n == 10]) > 5 * np.median(move[n == 1000])
    np.testing.assert_allclose(shrunk, (x + a_hat) / (n + a_hat + b_hat), rtol=1e-12)
    assert np.isfinite(shrunk[2])


def test_beta_binomial_needs_three_units_and_keeps_nan() -> None:
    with pytest.raises(JingminError, match="at least 3 units"):
        stats.beta_binomial_shrinkage([1, 2, np.nan], [10, 10, 10])
    shrunk, _, _ = stats.beta_binomial_shrinkage([1, 2, 3, 4, 0], [10, 10, 10, 10, 0])
    assert np.isnan(shrunk[4]) and np.isfinite(shrunk[:4]).all()


def test_rank_intervals_deterministic_and_clear_leader() -> None:
    est = np.array([0.95, 0.50, 0.52, 0.49, 0.51, np.nan])
    se = np.array([0.01, 0.03, 0.03, 0.03, 0.03, 0.02])
    med1, lo1, hi1 = stats.rank_intervals(est, se)
    med2, lo2, hi2 = stats.rank_intervals(est, se)
    np.testing.assert_array_equal(med1, med2)
    np.testing.assert_array_equal(lo1, lo2)
    np.testing.assert_array_equal(hi1, hi2)
    assert (med1[0], lo1[0], hi1[0]) == (1.0, 1.0, 1.0)
    assert lo1[1:5].min() == 2.0 and hi1[1:5].max() == 5.0
    assert np.isnan(med1[5]) and np.isnan(lo1[5])
    # with zero SE the ranks are exact
    med, lo, hi = stats.rank_intervals([3.0, 1.0, 2.0], [0.0, 0.0, 0.0], n_sim=10)
    assert med.tolist() == [1.0, 3.0, 2.0] and lo.tolist() == hi.tolist() == [1.0, 3.0, 2.0]


def _rank_intervals_reference(
    estimate: np.ndarray, se: np.ndarray, n_sim: int = 2000, seed: int = 12345, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The docstring's definition written out plainly: rankdata per draw, then numpy's median/quantiles.

    Same draws as stats.rank_intervals (same generator and seed), so the optimised counting/sorting
    paths must agree exactly; the independent check of the method is the exact-distribution test below.
    """
    est, s = np.broadcast_arrays(np.asarray(estimate, dtype=np.float64), np.asarray(se, dtype=np.float64))
    shape = est.shape
    est, s = est.ravel(), s.ravel()
    ok = np.isfinite(est) & np.isfinite(s) & (s >= 0)
    med = np.full(est.shape, np.nan)
    low = np.full(est.shape, np.nan)
    high = np.full(est.shape, np.nan)
    if ok.any():
        rng = np.random.default_rng(seed)
        sims = est[ok] + s[ok] * rng.standard_normal((int(n_sim), int(ok.sum())))
        ranks = sps.rankdata(-sims, axis=1, method="min")
        alpha = (1.0 - level) / 2.0
        med[ok] = np.median(ranks, axis=0)
        low[ok] = np.quantile(ranks, alpha, axis=0, method="lower")
        high[ok] = np.quantile(ranks, 1.0 - alpha, axis=0, method="higher")
    return med.reshape(shape), low.reshape(shape), high.reshape(shape)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(units=st.integers(1, 120), n_sim=st.integers(1, 400), level=st.sampled_from([0.5, 0.9, 0.95, 0.998]),
       case_seed=st.integers(0, 2**31), two_d=st.booleans())
def test_rank_intervals_equal_rankdata_on_the_same_draws(units: int, n_sim: int, level: float, case_seed: int,
                                                         two_d: bool) -> None:
    """Property: the argsort-and-count path (units <= draws) and the sorting path (units > draws) equal the
    plain definition exactly, with ties (zero-SE units sharing values), nan and invalid SEs, in 1-D and 2-D."""
    rng = np.random.default_rng(case_seed)
    est = rng.uniform(0.5, 0.9, units)
    se = rng.uniform(0.005, 0.05, units)
    tied = rng.choice(units, size=units // 3, replace=False)
    est[tied] = rng.choice([0.6, 0.7, 0.8, est[0]], size=tied.size)
    se[tied] = 0.0
    est[rng.random(units) < 0.08] = np.nan
    se[rng.random(units) < 0.05] = -0.01
    se[rng.random(units) < 0.05] = np.inf
    if two_d and units % 2 == 0:
        est, se = est.reshape(2, -1), se.reshape(2, -1)
    expected = _rank_intervals_reference(est, se, n_sim=n_sim, seed=case_seed, level=level)
    got = stats.rank_intervals(est, se, n_sim=n_sim, seed=case_seed, level=level)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == est.shape
        np.testing.assert_array_equal(g, e)


def _exact_rank_cdf(est: np.ndarray, se: np.ndarray) -> np.ndarray:
    """P(rank_i <= r) for independent normal estimates, without simulation (rank 1 = highest).

    P(rank_i = r) = ∫ φ_i(x) P(exactly r-1 others exceed x) dx; the inner probability is a Poisson-binomial
    over q_j(x) = P(X_j > x), built by the usual recursion, and the integral is a trapezoid rule on a fine
    grid over est_i ± 9 se_i. Returns a k x k array; column r-1 holds P(rank <= r).
    """
    k = est.size
    pmf = np.zeros((k, k))
    for i in range(k):
        x = np.linspace(est[i] - 9 * se[i], est[i] + 9 * se[i], 20001)
        dens = sps.norm.pdf(x, est[i], se[i])
        pb = np.zeros((k, x.size))
        pb[0] = 1.0
        for j in range(k):
            if j == i:
                continue
            q = sps.norm.sf(x, est[j], se[j])
            pb[1:] = pb[1:] * (1 - q) + pb[:-1] * q
            pb[0] = pb[0] * (1 - q)
        pmf[i] = np.trapezoid(dens * pb, x, axis=1)
    return np.cumsum(pmf, axis=1)


def test_rank_intervals_equal_the_exact_rank_distribution() -> None:
    """Each rank-interval end is the quantile of the exact (simulation-free) rank distribution wherever that
    quantile is decided by more than Monte Carlo noise (CDF at least 0.01 from the tail probability, > 5 SE
    of a proportion estimated from 20000 draws)."""
    est = np.array([0.62, 0.60, 0.55, 0.54, 0.50, 0.30])
    se = np.array([0.02, 0.03, 0.02, 0.04, 0.03, 0.01])
    cdf = _exact_rank_cdf(est, se)
    np.testing.assert_allclose(cdf[:, -1], 1.0, atol=1e-9)  # the quadrature itself is accurate
    _med, low, high = stats.rank_intervals(est, se, n_sim=20000, seed=3, level=0.9)
    checked = 0
    for i in range(est.size):
        for end, q in ((low[i], 0.05), (high[i], 0.95)):
            exact = 1 + int(np.argmax(cdf[i] > q))  # the smallest r with P(rank <= r) > q
            margin = np.min(np.abs(cdf[i, :-1] - q)) if est.size > 1 else 1.0
            if margin > 0.01:
                assert end == exact, (i, end, exact, cdf[i])
                checked += 1
    assert checked >= 9  # most ends are decided; the test is not vacuous
    assert (low[-1], high[-1]) == (6.0, 6.0)  # 0.30 ± 0.01 is last in every draw


def test_rank_intervals_rejects_no_draws() -> None:
    with pytest.raises(ValueError, match="n_sim"):
        stats.rank_intervals([0.5, 0.6], [0.01, 0.01], n_sim=0)


# --------------------------------------------------------------------------------------------------
# Cochran–Armitage
# --------------------------------------------------------------------------------------------------


def test_cochran_armitage_hand_and_statsmodels() -> None:
    x = np.array([10, 15, 22, 30])
    n = np.array([50, 50, 50, 50])
    # by hand: N = 200, pbar = 77/200 = 0.385, t = 0..3
    # T = Σ t (x - 50 * 0.385) = 0*(-9.25) + 1*(-4.25) + 2*(2.75) + 3*(10.75) = 33.5
    # Var = 0.385 * 0.615 * (50*(0+1+4+9) - (50*6)^2/200) = 0.236775 * (700 - 450) = 59.19375
    z_hand = 33.5 / np.sqrt(59.19375)
    z, p = stats.cochran_armitage_trend(x, n)
    assert z == pytest.approx(z_hand, rel=1e-12)
    assert z == pytest.approx(4.3542, abs=1e-4)
    assert p == pytest.approx(2 * sps.norm.sf(z_hand), rel=1e-12)
    # statsmodels' linear-by-linear test differs by sqrt((N-1)/N)
    table = Table(np.column_stack([n - x, x]))
    ref = table.test_ordinal_association()
    assert z * np.sqrt(199 / 200) == pytest.approx(ref.zscore, rel=1e-10)
    # custom scores, falling trend, fewer than two periods
    z2, _ = stats.cochran_armitage_trend(x[::-1], n, scores=[1, 2, 4, 8])
    assert z2 < 0
    assert np.isnan(stats.cochran_armitage_trend([3], [10])[0])


# --------------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(n=st.floats(0.5, 1e6), frac=st.floats(0.0, 1.0), level=st.floats(0.5, 0.999))
def test_wilson_contains_estimate(n: float, frac: float, level: float) -> None:
    low, high = stats.wilson_interval([frac * n], [n], level)
    assert 0.0 <= low[0] <= frac + 1e-12
    assert frac - 1e-12 <= high[0] <= 1.0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 1000.0))
def test_linearized_variance_invariant_to_weight_scale(seed: int, scale: float) -> None:
    df = _sample(seed, n=60)
    s1 = _sufficient(df)
    s2 = _sufficient(df.assign(w=df["w"] * scale))
    cols = ["group", "n_psu", "a", "b", "aa", "ab", "bb"]
    p1, v1, b1 = stats.linearized_variance(*(s1[c] for c in cols))
    p2, v2, b2 = stats.linearized_variance(*(s2[c] for c in cols))
    np.testing.assert_allclose(p2, p1, rtol=1e-9)
    np.testing.assert_allclose(v2, v1, rtol=1e-7, atol=1e-15)
    np.testing.assert_allclose(b2, b1 * scale, rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_bh_adjusted_at_least_raw_and_order_preserving(pvalues: list[float]) -> None:
    raw = np.array(pvalues)
    adj = stats.benjamini_hochberg(raw)
    assert np.all(adj >= raw - 1e-15) and np.all(adj <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)
