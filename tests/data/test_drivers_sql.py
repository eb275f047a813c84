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


# The long-form queries drivers/moments and drivers/performance replaced (main before the one-pass matrix), written out
# here as the reference: a self-join of the valid answers on respondent_key for the moments, a per-respondent list for
# the sample, and the per-answer json_keys check of the item's codes.
OLD_VALUES = """
    SELECT a.respondent_key, a.item, TRY_CAST(a.code AS DOUBLE) AS v
    FROM answers a JOIN items i ON i.item = a.item
    WHERE list_contains($variables, a.item) AND list_contains(json_keys(i.codes), a.code)
      AND TRY_CAST(a.code AS DOUBLE) IS NOT NULL"""
OLD_RESP = "SELECT * FROM jm_driver_respondents($group_level, $date_from, $date_to, $jurisdictions)"
OLD_MOMENTS = f"""
WITH resp AS ({OLD_RESP}), vals AS ({OLD_VALUES}),
complete AS (SELECT respondent_key FROM vals GROUP BY respondent_key HAVING count(DISTINCT item) = len($variables)),
cv AS (SELECT r.grp, v.respondent_key, v.item, v.v FROM vals v JOIN complete USING (respondent_key)
       JOIN resp r USING (respondent_key))
SELECT x.grp, x.item AS item_a, y.item AS item_b, count(*) AS n, sum(x.v) AS sum_a, sum(x.v * y.v) AS sum_ab
FROM cv x JOIN cv y ON y.respondent_key = x.respondent_key GROUP BY ALL ORDER BY ALL"""
OLD_SAMPLE = f"""
WITH resp AS ({OLD_RESP}), vals AS ({OLD_VALUES}),
vectors AS (SELECT respondent_key, list(v ORDER BY list_position($variables, item)) AS x, count(DISTINCT item) AS k
            FROM vals GROUP BY respondent_key)
SELECT r.grp, r.respondent_key, v.x FROM vectors v JOIN resp r USING (respondent_key)
WHERE v.k = len($variables)
QUALIFY row_number() OVER (PARTITION BY r.grp ORDER BY hash(r.respondent_key, $seed), r.respondent_key) <= $max_rows
ORDER BY r.grp, r.respondent_key"""
OLD_PERFORMANCE = f"""
WITH resp AS ({OLD_RESP}),
scales AS (SELECT item, codes, list_max(list_transform(json_keys(codes), lambda c: TRY_CAST(c AS DOUBLE))) AS top_code
           FROM items WHERE list_contains($items, item))
SELECT r.grp, a.item, count(*) AS n, count(*) FILTER (WHERE TRY_CAST(a.code AS DOUBLE) >= s.top_code - 1) AS top2
FROM answers a JOIN scales s ON s.item = a.item JOIN resp r ON r.respondent_key = a.respondent_key
WHERE list_contains(json_keys(s.codes), a.code) AND TRY_CAST(a.code AS DOUBLE) IS NOT NULL
GROUP BY ALL ORDER BY ALL"""


def _old_and_new(con, variables, by, seed=7, max_rows=60):
    from analytics.db import query_df
    from analytics.sqlfiles import load_sql, statements

    params = {"variables": variables, "group_level": by, "jurisdictions": None, "date_from": None, "date_to": None}
    new = query_df(con, "drivers/moments", {**params, "seed": seed, "max_rows": max_rows})
    for statement in statements(load_sql("drivers/respondent_filter")):
        con.execute(statement)
    old_moments = con.execute(OLD_MOMENTS, params).df()
    old_sample = con.execute(OLD_SAMPLE, {**params, "seed": seed, "max_rows": max_rows}).df()
    return new, old_moments, old_sample


@pytest.mark.parametrize("by", [None, "district", "station"])
@pytest.mark.parametrize("variables", [["satisfaction", *ITEMS], ["result", "fairness", "satisfaction"]])
def test_one_pass_moments_and_sample_equal_the_long_queries(survey_db, by, variables):
    """drivers/moments (one row per respondent with a slot per variable) gives each group the same n, sums,
    cross-products and bootstrap sample as the long self-join and list queries it replaced, value for value (the
    answers are whole numbers, so the sums are exact in any order)."""
    con, _table, _resp = survey_db
    con.execute("UPDATE answers SET code = 'x' WHERE respondent_key % 41 = 0 AND item = 'fairness'")  # not a code
    new, old, old_sample = _old_and_new(con, variables, by)
    assert sorted(new["grp"]) == sorted(old["grp"].unique())
    k = len(variables)
    for row in new.to_dict("records"):
        n, sums, cross = drivers.group_moments(row, k)
        block = old[old["grp"] == row["grp"]]
        position = {item: i for i, item in enumerate(variables)}
        expected = np.zeros((k, k))
        expected[block["item_a"].map(position), block["item_b"].map(position)] = block["sum_ab"]
        assert n == block["n"].iloc[0]
        assert sums.tolist() == [block.loc[block["item_a"] == v, "sum_a"].iloc[0] for v in variables]
        assert cross.tolist() == expected.tolist()
        sample = [list(x) for x in row["sample"]]
        assert sample == [list(x) for x in old_sample.loc[old_sample["grp"] == row["grp"], "x"]]
        assert len(sample) == min(60, n)


def test_one_pass_moments_equal_numpy_on_complete_cases(survey_db):
    """Independent of SQL: n, Σx and Σx xᵀ of the complete cases of the fixture's table (don't-know '9' drops a
    respondent from every variable), computed with numpy, for the first district (respondents 1-300)."""
    con, table, _resp = survey_db
    new, _old, _sample = _old_and_new(con, ["satisfaction", *ITEMS], "district")
    first = table.iloc[:300]
    complete = first[(first != "9").all(axis=1)].astype(float).to_numpy()
    n, sums, cross = drivers.group_moments(new.set_index("grp").loc["D1"].to_dict() | {"grp": "D1"}, 6)
    assert n == len(complete)
    assert sums.tolist() == complete.sum(axis=0).tolist()
    assert cross.tolist() == (complete.T @ complete).tolist()


def test_max_rows_zero_draws_no_sample(survey_db):
    con, _table, _resp = survey_db
    new, _old, _sample = _old_and_new(con, ["satisfaction", *ITEMS], None, max_rows=0)
    assert new["sample"].isna().all()
    result = drivers.key_drivers(con, Selection(), n_boot=20, max_sample=0)
    assert (result["sample_n"] == 0).all() and result["share_low"].isna().all() and result["share"].notna().all()


@pytest.mark.parametrize("by", [None, "district"])
def test_performance_equals_the_per_answer_json_check(survey_db, by):
    from analytics.db import query_df

    con, _table, _resp = survey_db
    con.execute("UPDATE answers SET code = 'x' WHERE respondent_key % 37 = 0 AND item = 'attitude'")
    params = {"group_level": by, "jurisdictions": None, "date_from": None, "date_to": None, "items": ITEMS}
    new = query_df(con, "drivers/performance", params)
    old = con.execute(OLD_PERFORMANCE, params).df()
    pd.testing.assert_frame_equal(new.sort_values(["grp", "item"]).reset_index(drop=True), old, check_dtype=False)
