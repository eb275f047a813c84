"""The engine's replacements for scipy.stats give scipy.stats' numbers exactly (issue 14.6).

``analytics.stats`` and ``analytics.compare`` no longer import ``scipy.stats`` (seconds of import time on a
loaded machine); they call the ``scipy.special`` functions the distributions evaluate, and rank with
numpy. Each replacement is checked here against the scipy.stats call it replaced, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special
from scipy import stats as sps

from analytics import stats
from analytics.compare import OVERDISPERSION_TEST_LEVEL, min_ranks


def test_two_sided_p_is_norm_sf():
    rng = np.random.default_rng(3)
    z = np.r_[rng.normal(0, 4, 20_000), 0.0, -0.0, np.inf, -np.inf, np.nan, 38.5, -38.5]
    assert np.array_equal(stats.two_sided_p(z), 2.0 * sps.norm.sf(np.abs(z)), equal_nan=True)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.998, 0.999999])
def test_critical_value_is_norm_ppf(level):
    assert stats._z(level) == float(sps.norm.ppf(0.5 + level / 2.0))


def test_min_ranks_is_rankdata_min():
    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 7, 500):
        values = np.round(rng.normal(size=size), 1)  # rounding makes ties
        assert np.array_equal(min_ranks(values), sps.rankdata(values, method="min"))
    assert min_ranks(np.array([0.5, 0.2, 0.5, 0.1])).tolist() == [3.0, 2.0, 3.0, 1.0]


def test_overdispersion_quantile_is_chi2_ppf():
    for df in range(1, 600):
        assert 2.0 * special.gammaincinv(df / 2.0, OVERDISPERSION_TEST_LEVEL) == sps.chi2.ppf(
            OVERDISPERSION_TEST_LEVEL, df)


def test_shrunken_interval_quantile_is_beta_ppf():
    rng = np.random.default_rng(9)
    a, b = rng.uniform(0.5, 5_000, 20_000), rng.uniform(0.5, 5_000, 20_000)
    for q in (0.025, 0.975, 0.001, 0.999):
        assert np.array_equal(special.betaincinv(a, b, q), sps.beta.ppf(q, a, b))


def test_t_quantile_is_t_ppf():
    df = np.r_[np.arange(1, 200), 1e3, 1e6, np.inf, 2.5, 0.5]
    for q in (0.6, 0.9, 0.975, 0.999):
        assert np.array_equal(stats.t_quantile(q, df), sps.t.ppf(q, df))
