"""Key drivers computed in DuckDB end to end (tests/unit keeps the pure weight computations)."""


from analytics.selection import Selection
import numpy as np
import pandas as pd
import pytest

from analytics import drivers, store
from analytics.auth import User
from analytics.errors import DefinitionError, UnknownNameError
from analytics.roles import LOCAL_USER

ITEMS = ["attitude", "response_speed", "fairness", "communication", "result"]


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
    result = drivers.key_drivers(con, Selection(), n_boot=100, seed=4)
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
    again = drivers.key_drivers(con, Selection(), n_boot=100, seed=4).set_index("item").loc[ITEMS]
    assert again["share_low"].tolist() == got["share_low"].tolist()


def test_key_drivers_per_district_and_bounded_sample(survey_db):
    con, table, resp = survey_db
    result = drivers.key_drivers(con, Selection(), by='district', n_boot=30, max_sample=100, method='relative_weights')
    assert set(result["group"]) == {"D1", "D2"}
    first = table.iloc[:300]
    complete = first[(first != "9").all(axis=1)].astype(float).to_numpy()
    d1 = result[result["group"] == "D1"].set_index("item").loc[ITEMS]
    assert d1["weight"].to_numpy() == pytest.approx(drivers.relative_weights(np.corrcoef(complete, rowvar=False)))
    assert (d1["sample_n"] == 100).all() and (d1["n"] == len(complete)).all()
    scoped = drivers.key_drivers(con, Selection(user=User('s2', 'station', 'S2')), by='district', n_boot=0)
    assert set(scoped["group"]) == {"D2"}                     # never the other district
    assert scoped["share_low"].isna().all()                   # no bootstrap asked


def test_small_groups_are_suppressed(survey_db):
    con, _table, _resp = survey_db
    result = drivers.key_drivers(con, Selection(period_kind="year", periods=("2024",),
                                                   jurisdiction_codes=("S1",)), n_boot=0)
    assert result.empty                                       # nobody interviewed before 2025
    store.set_setting(con, "suppress_below_n_eff", 1000, user=LOCAL_USER)
    result = drivers.key_drivers(con, Selection(), n_boot=0)
    assert (result["flag"] == "suppressed").all() and result["weight"].isna().all()
    assert result["performance"].isna().all()


def test_bad_requests_raise_user_errors(survey_db):
    con, _table, _resp = survey_db
    with pytest.raises(UnknownNameError):
        drivers.key_drivers(con, Selection(), method='magic')
    with pytest.raises(UnknownNameError):
        drivers.key_drivers(con, Selection(), indicator='no_such_indicator')
    with pytest.raises(DefinitionError):
        drivers.key_drivers(con, Selection(), items=['attitude'])
    assert drivers.available_drivers(con) == ITEMS
