"""Key-driver weights against independent computations, and the DuckDB path end to end."""

from itertools import combinations, permutations

import numpy as np
import pytest

from analytics import drivers
from analytics.errors import DefinitionError

ITEMS = ["attitude", "response_speed", "fairness", "communication", "result"]


def correlated_data(n: int = 400, p: int = 4, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(n)
    x = 0.7 * common[:, None] + rng.standard_normal((n, p))
    y = x @ np.linspace(0.6, 0.1, p) + rng.standard_normal(n)
    return x, y


def brute_force_lmg(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """LMG by definition: R² increments of raw-data OLS fits averaged over all p! orderings."""
    n, p = x.shape

    def r2(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        design = np.column_stack([np.ones(n), x[:, list(cols)]])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        return 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())

    fits = {c: r2(c) for k in range(p + 1) for c in combinations(range(p), k)}
    total = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        for position, j in enumerate(order):
            before = tuple(sorted(order[:position]))
            total[j] += fits[tuple(sorted((*before, j)))] - fits[before]
    return total / len(orders)


def johnson_by_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) as published: orthogonal Z = U Vᵀ of standardised X, then Σ_k Λ_jk² β_k²."""
    zx = (x - x.mean(0)) / x.std(0, ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    u, _s, vt = np.linalg.svd(zx, full_matrices=False)
    z = u @ vt * np.sqrt(len(y) - 1)                       # orthonormal columns scaled to unit variance
    beta = np.linalg.lstsq(z, zy, rcond=None)[0]           # y on Z
    lam = np.linalg.lstsq(z, zx, rcond=None)[0]            # X on Z: lam[k, j] = loading of x_j on z_k
    return (lam.T ** 2) @ (beta ** 2)


def corr_with_outcome_first(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.corrcoef(np.column_stack([y, x]), rowvar=False)


def test_lmg_equals_brute_force_over_orderings():
    x, y = correlated_data()
    weights = drivers.lmg_weights(corr_with_outcome_first(x, y))
    assert weights == pytest.approx(brute_force_lmg(x, y), abs=1e-10)
    full_r2 = 1 - np.sum((y - np.column_stack([np.ones(len(y)), x]) @ np.linalg.lstsq(
        np.column_stack([np.ones(len(y)), x]), y, rcond=None)[0]) ** 2) / np.sum((y - y.mean()) ** 2)
    assert weights.sum() == pytest.approx(full_r2)


def test_relative_weights_equal_johnsons_svd_construction():
    x, y = correlated_data(seed=5)
    weights = drivers.relative_weights(corr_with_outcome_first(x, y))
    assert weights == pytest.approx(johnson_by_svd(x, y), abs=1e-10)
    assert weights.sum() == pytest.approx(drivers.lmg_weights(corr_with_outcome_first(x, y)).sum())


def test_uncorrelated_drivers_get_their_squared_correlation():
    corr = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.0], [0.3, 0.0, 1.0]])
    assert drivers.lmg_weights(corr) == pytest.approx([0.25, 0.09])
    assert drivers.relative_weights(corr) == pytest.approx([0.25, 0.09])


def test_collinear_drivers_raise_a_user_error():
    corr = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 1.0], [0.5, 1.0, 1.0]])
    with pytest.raises(DefinitionError):
        drivers.lmg_weights(corr)
    with pytest.raises(DefinitionError):
        drivers.relative_weights(corr)


def test_corr_from_moments_matches_numpy():
    rng = np.random.default_rng(2)
    data = rng.integers(1, 6, size=(50, 3)).astype(float)
    corr = drivers.corr_from_moments(50, data.sum(0), data.T @ data)
    assert corr == pytest.approx(np.corrcoef(data, rowvar=False))


# --- through DuckDB ------------------------------------------------------------------------------
