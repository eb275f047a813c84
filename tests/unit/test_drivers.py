"""Key-driver weights against independent computations, and the DuckDB path end to end."""

from itertools import combinations, permutations

import numpy as np
import pandas as pd
import pytest

from analytics import drivers, store
from analytics.auth import User
from analytics.errors import DefinitionError, UnknownNameError

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

@pytest.fixture
def survey_db(tmp_path):
    """500 respondents in two districts with satisfaction and five 1-5 sub-items (some don't-know)."""
    con = store.connect(tmp_path / "drivers.duckdb")
    con.execute("""INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES
        ('C', '市', 'City', NULL, 'city'), ('D1', '一区', 'One', 'C', 'district'),
        ('D2', '二区', 'Two', 'C', 'district'), ('S1', '甲', 'A', 'D1', 'station'),
        ('S2', '乙', 'B', 'D2', 'station')""")
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (1, 'survey', 'x', 'x', 1)")
    rng = np.random.default_rng(11)
    n = 500
    latent = rng.standard_normal(n)
    raw = 0.8 * latent[:, None] + 0.6 * rng.standard_normal((n, 5))
    codes = np.clip(np.rint(3.4 + raw), 1, 5).astype(int)
    sat = np.clip(np.rint(3.4 + raw @ np.array([0.4, 0.1, 0.2, 0.05, 0.3]) + 0.5 * rng.standard_normal(n)), 1, 5)
    table = np.column_stack([sat.astype(int), codes]).astype(str)
    table[rng.random(table.shape) < 0.03] = "9"                       # don't know
    frame = pd.DataFrame({"respondent_key": np.arange(1, n + 1), "batch_id": 1,
                                "respondent_id": [f"r{i}" for i in range(n)],
                                "jurisdiction_code": np.where(np.arange(n) < 300, "S1", "S2"),
                                "interview_date": pd.Timestamp("2025-01-01")})
    con.register("respondent_frame", frame)
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date) "
                "SELECT * FROM respondent_frame")
    answers = pd.DataFrame(table, columns=["satisfaction", *ITEMS]).assign(respondent_key=frame["respondent_key"])
    con.register("answer_frame", answers.melt(id_vars="respondent_key", var_name="item", value_name="code"))
    con.execute("INSERT INTO answers SELECT respondent_key, 1, item, code FROM answer_frame")
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")
    yield con, pd.DataFrame(table, columns=["satisfaction", *ITEMS]), frame
    con.close()


def test_key_drivers_match_numpy_on_complete_cases(survey_db):
    con, table, _resp = survey_db
    result = drivers.key_drivers(con, n_boot=100, seed=4)
    complete = table[(table != "9").all(axis=1)].astype(float).to_numpy()
    expected = drivers.lmg_weights(np.corrcoef(complete, rowvar=False))
    got = result.set_index("item").loc[ITEMS]
    assert (got["n"] == len(complete)).all()
    assert got["weight"].to_numpy() == pytest.approx(expected)
    assert got["share"].sum() == pytest.approx(1.0)
    assert got["r2"].iloc[0] == pytest.approx(expected.sum())
    assert ((got["share_low"] <= got["share"]) & (got["share"] <= got["share_high"])).all()
    assert list(result["rank"]) == [1, 2, 3, 4, 5]
    # Performance: top-2-box share (4 or 5) among each item's own substantive answers.
    attitude = table["attitude"][table["attitude"] != "9"].astype(int)
    assert got.loc["attitude", "performance_n"] == len(attitude)
    assert got.loc["attitude", "performance"] == pytest.approx((attitude >= 4).mean())
    # Quadrants split at the mean share and mean performance of the five items.
    high_imp = got["share"] >= got["share"].mean()
    high_perf = got["performance"] >= got["performance"].mean()
    expected_quadrant = np.where(high_imp, np.where(high_perf, "keep_up", "improve_first"),
                                 np.where(high_perf, "possible_overkill", "low_priority"))
    assert list(got["quadrant"]) == list(expected_quadrant)
    assert got["priority"].to_numpy() == pytest.approx((got["share"] * (1 - got["performance"])).to_numpy())
    # Seeded: the same call gives the same intervals.
    again = drivers.key_drivers(con, n_boot=100, seed=4).set_index("item").loc[ITEMS]
    assert again["share_low"].tolist() == got["share_low"].tolist()


def test_key_drivers_per_district_and_bounded_sample(survey_db):
    con, table, resp = survey_db
    result = drivers.key_drivers(con, by="district", n_boot=30, max_sample=100, method="relative_weights")
    assert set(result["group"]) == {"D1", "D2"}
    first = table.iloc[:300]
    complete = first[(first != "9").all(axis=1)].astype(float).to_numpy()
    d1 = result[result["group"] == "D1"].set_index("item").loc[ITEMS]
    assert d1["weight"].to_numpy() == pytest.approx(drivers.relative_weights(np.corrcoef(complete, rowvar=False)))
    assert (d1["sample_n"] == 100).all() and (d1["n"] == len(complete)).all()
    scoped = drivers.key_drivers(con, by="district", n_boot=0, user=User("s2", "station", "S2"))
    assert set(scoped["group"]) == {"D2"}                     # never the other district
    assert scoped["share_low"].isna().all()                   # no bootstrap asked


def test_small_groups_are_suppressed(survey_db):
    con, _table, _resp = survey_db
    result = drivers.key_drivers(con, jurisdiction_codes=["S1"], date_to=pd.Timestamp("2024-12-31").date(), n_boot=0)
    assert result.empty                                       # nobody interviewed before 2025
    store.set_setting(con, "suppress_below_n_eff", 1000)
    result = drivers.key_drivers(con, n_boot=0)
    assert (result["flag"] == "suppressed").all() and result["weight"].isna().all()
    assert result["performance"].isna().all()


def test_bad_requests_raise_user_errors(survey_db):
    con, _table, _resp = survey_db
    with pytest.raises(UnknownNameError):
        drivers.key_drivers(con, method="magic")
    with pytest.raises(UnknownNameError):
        drivers.key_drivers(con, indicator="no_such_indicator")
    with pytest.raises(DefinitionError):
        drivers.key_drivers(con, items=["attitude"])
    assert drivers.available_drivers(con) == ITEMS
