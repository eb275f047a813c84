"""analytics.stats against figures R's `survey` package produced (tests/reference/survey_reference.R).

The design (tests/reference/design.csv) is stratified, partly clustered and weighted. Here the PSU and
stratum sums are formed with pandas straight from the respondents, the way the engine's SQL forms them,
and fed to the pure functions; tests/data/test_survey_reference_engine.py runs the same data through
DuckDB and the engine. Tolerances: 1e-12 relative where the arithmetic is the same (mean, SE, Wilson);
1e-9 for the logit interval, since R gets logit(p) from an iterative quasibinomial GLM fit.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics import stats
from tests.reference.reference import DOMAINS, design, figures

R = figures()


def _domain(name: str):
    d = design()
    if DOMAINS[name] is not None:
        column, value = DOMAINS[name]
        d = d[d[column] == value]
    return d


def _stratum_sums(name: str):
    d = _domain(name).assign(wy=lambda f: f["design_weight"] * f["seen"])
    psu = d.groupby(["stratum", "psu"]).agg(a=("wy", "sum"), b=("design_weight", "sum")).reset_index()
    psu = psu.assign(aa=psu["a"] ** 2, ab=psu["a"] * psu["b"], bb=psu["b"] ** 2)
    return psu.groupby("stratum").agg(n_psu=("psu", "size"), a=("a", "sum"), b=("b", "sum"), aa=("aa", "sum"),
                                      ab=("ab", "sum"), bb=("bb", "sum"))


def _p_se_df(name: str) -> tuple[float, float, float]:
    s = _stratum_sums(name)
    p, var, _b = stats.linearized_variance(np.zeros(len(s), dtype=int), s["n_psu"], s["a"], s["b"], s["aa"],
                                           s["ab"], s["bb"])
    return float(p[0]), float(np.sqrt(var[0])), float(s["n_psu"].sum() - len(s))


@pytest.mark.parametrize("name", list(DOMAINS))
def test_linearised_mean_and_se_equal_svymean_with_strata_and_clusters(name: str) -> None:
    p, se, degf = _p_se_df(name)
    assert p == pytest.approx(R["design", name, "mean"], rel=1e-12)
    assert se == pytest.approx(R["design", name, "se"], rel=1e-12)
    assert degf == R["design", name, "degf"]


@pytest.mark.parametrize("name", list(DOMAINS))
@pytest.mark.parametrize("level, tag", [(0.95, ""), (0.9, "_90")])
def test_logit_interval_with_design_df_equals_svyciprop_default(name: str, level: float, tag: str) -> None:
    p, se, degf = _p_se_df(name)
    low, high = stats.logit_interval(p, se, level, df=degf)
    assert float(low) == pytest.approx(R["design", name, f"logit_low_t{tag}"], rel=1e-9)
    assert float(high) == pytest.approx(R["design", name, f"logit_high_t{tag}"], rel=1e-9)


@pytest.mark.parametrize("name", list(DOMAINS))
@pytest.mark.parametrize("level, tag", [(0.95, ""), (0.9, "_90")])
def test_logit_interval_without_df_equals_svyciprop_with_normal_quantile(name: str, level: float, tag: str) -> None:
    p, se, _degf = _p_se_df(name)
    for df in (None, np.inf):
        low, high = stats.logit_interval(p, se, level, df=df)
        assert float(low) == pytest.approx(R["design", name, f"logit_low_z{tag}"], rel=1e-9)
        assert float(high) == pytest.approx(R["design", name, f"logit_high_z{tag}"], rel=1e-9)


def test_t_and_z_intervals_differ_where_the_design_has_few_psus() -> None:
    """S1 has 7 PSUs in 2 strata (5 df): the t interval is visibly wider, so the choice is really tested."""
    assert R["design", "S1", "degf"] == 5
    assert R["design", "S1", "logit_low_t"] < R["design", "S1", "logit_low_z"] - 0.05
    p, se, degf = _p_se_df("S1")
    low_t, _ = stats.logit_interval(p, se, 0.95, df=degf)
    low_z, _ = stats.logit_interval(p, se, 0.95)
    assert float(low_t) != pytest.approx(float(low_z), rel=1e-3)


def test_logit_interval_has_no_interval_without_degrees_of_freedom() -> None:
    low, high = stats.logit_interval([0.4, 0.4, 0.4], [0.1, 0.1, 0.1], df=[0.0, np.nan, 3.0])
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert np.isfinite(low[2]) and np.isfinite(high[2])


@pytest.mark.parametrize("name", list(DOMAINS))
def test_wilson_interval_equals_prop_test_without_correction(name: str) -> None:
    x, n = R["design", name, "successes"], R["design", name, "n"]
    low, high = stats.wilson_interval(x, n)
    assert float(low) == pytest.approx(R["wilson", name, "low"], rel=1e-12)
    assert float(high) == pytest.approx(R["wilson", name, "high"], rel=1e-12)


@pytest.mark.parametrize("key", ["7/10@0.95", "0/12@0.95", "12/12@0.95", "1/3@0.95", "45/50@0.9"])
def test_wilson_interval_on_counts_equals_prop_test(key: str) -> None:
    counts, level = key.split("@")
    x, n = (float(v) for v in counts.split("/"))
    low, high = stats.wilson_interval(x, n, float(level))
    assert float(low) == pytest.approx(R["wilson_counts", key, "low"], rel=1e-12, abs=1e-15)
    assert float(high) == pytest.approx(R["wilson_counts", key, "high"], rel=1e-12, abs=1e-15)
