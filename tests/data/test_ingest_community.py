"""A registry level below the station: community (社区/村, 警务区, 警务室).

Agencies sample residents by village or community under each station, so registries list them and survey
files code respondents to them. Before the fourth level a registry naming 村 was refused ("'村' is not a valid
level") and no value map could help (村 → station made a station under a station). Now a community loads
under a station, its respondents and cases count in the station's, district's and city's figures through the
ancestors, and a station user sees the communities of its own station only.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from analytics import engine, geo, store
from analytics.auth import visible_codes
from analytics.cases import case_metrics
from analytics.errors import IngestError
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER, User
from analytics.selection import Selection
from tests.data.old_schema import apply_migrations_before

# The registry of the report, with a second station (S2, its own community V2) and a second district (D2 > S3)
# so that district and city figures differ from the station's.
REGISTRY = """code,name_zh,name_en,level,parent_code
C1,某市,City,市,
D1,某区,District,区,C1
S1,某派出所,Station,派出所,D1
V1,某村,Village V1,村,S1
S2,另一派出所,Station two,派出所,D1
V2,某社区,Community V2,社区,S2
D2,另一区,District two,区,C1
S3,第三派出所,Station three,派出所,D2
"""

# satisfaction is a 5-point item scored top-2-box (4 and 5 count 1, 1-3 count 0) and 9 is don't know.
SURVEY = """编号,访问时间,辖区,满意度
R01,2025-03-05,V1,5
R02,2025-03-06,V1,4
R03,2025-03-07,V1,2
R04,2025-03-08,V1,9
R05,2025-03-09,S1,5
R06,2025-03-10,S1,1
R07,2025-03-11,V2,4
R08,2025-03-12,S2,3
R09,2025-03-13,S3,5
"""
# Hand count of the rows above (R04 is don't know, out of the base):
#   S1 = V1 (R01 1, R02 1, R03 0) + S1's own (R05 1, R06 0)      n = 5, 3 satisfied -> 0.6
#   S2 = V2 (R07 1) + S2's own (R08 0)                            n = 2, 1 satisfied -> 0.5
#   D1 = S1 + S2                                                  n = 7, 4 satisfied -> 4/7
#   C1 = D1 + D2 (S3: R09 1)                                      n = 8, 5 satisfied -> 5/8
EXPECTED = {("station", "S1"): (5, 3 / 5), ("station", "S2"): (2, 1 / 2), ("station", "S3"): (1, 1.0),
            ("district", "D1"): (7, 4 / 7), ("district", "D2"): (1, 1.0), ("city", "C1"): (8, 5 / 8)}


@pytest.fixture
def con(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    connection = store.connect(tmp_path / "community.duckdb")
    yield connection
    connection.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_registry(con, tmp_path, text: str = REGISTRY):
    return ingest_file(con, "jurisdictions", write(tmp_path, "registry.csv", text), user=LOCAL_USER)


def load_survey(con, tmp_path):
    # Tiny bases: nothing is suppressed here, so the estimates can be compared with the hand count.
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    return ingest_file(con, "survey", write(tmp_path, "survey.csv", SURVEY), user=LOCAL_USER,
                       constants={"mode": "face_to_face"})


def satisfaction(con, level: str, user: User = LOCAL_USER) -> dict[str, tuple[int, float]]:
    sel = Selection(period_kind="all", level=level, user=user)
    table = engine.indicator_table(con, sel, indicators=["satisfaction"])
    return {r["jurisdiction"]: (int(r["n"]), float(r["estimate"])) for r in table.to_dict("records")}


# ------------------------------------------------------------------------------------- the registry


def test_the_reported_registry_loads_with_its_village(con, tmp_path):
    result = load_registry(con, tmp_path, REGISTRY.split("S2,")[0])  # exactly the four rows of the report
    assert result.summary["added"] == 4
    rows = con.execute("SELECT code, level, parent_code FROM jurisdictions ORDER BY code").fetchall()
    assert rows == [("C1", "city", None), ("D1", "district", "C1"), ("S1", "station", "D1"),
                    ("V1", "community", "S1")]
    assert any("community" in w for w in result.warnings)
    # the ancestors reach the village's station, district and city
    up = dict(con.execute("SELECT ancestor_level, ancestor_code FROM jurisdiction_ancestors WHERE code = 'V1'")
              .fetchall())
    assert up == {"community": "V1", "station": "S1", "district": "D1", "city": "C1"}


@pytest.mark.parametrize("label", ["村", "社区", "村委会", "居委会", "警务区", "警务室", "社区警务室", "community",
                                   "Village", "neighbourhood", "neighborhood", "ＶＩＬＬＡＧＥ"])
def test_every_community_synonym_is_kept(con, tmp_path, label):
    load_registry(con, tmp_path, f"code,name_zh,level,parent_code\nC1,市,市,\nS1,所,派出所,C1\nV1,村一,{label},S1\n")
    assert con.execute("SELECT level FROM jurisdictions WHERE code = 'V1'").fetchone() == ("community",)


@pytest.mark.parametrize(("rows", "row", "code", "value"), [
    # a community under a district (row 4 of the file: the header is row 1)
    ("C1,市,市,\nD1,区,区,C1\nV1,村一,村,D1\n", 4, "V1", "community"),
    # a community under the city
    ("C1,市,市,\nV1,村一,社区,C1\n", 3, "V1", "community"),
    # a station under a community
    ("C1,市,市,\nS1,所,派出所,C1\nV1,村一,村,S1\nS9,所九,派出所,V1\n", 5, "S9", "station"),
    # a district under a community
    ("C1,市,市,\nS1,所,派出所,C1\nV1,村一,村,S1\nD9,区九,区,V1\n", 5, "D9", "district"),
    # a community under a community
    ("C1,市,市,\nS1,所,派出所,C1\nV1,村一,村,S1\nV2,村二,村,V1\n", 5, "V2", "community"),
    # a community without a parent
    ("C1,市,市,\nV1,村一,村,\n", 3, "V1", "community"),
])
def test_a_community_out_of_place_is_refused_with_its_row(con, tmp_path, rows, row, code, value):
    with pytest.raises(IngestError) as info:
        load_registry(con, tmp_path, "code,name_zh,level,parent_code\n" + rows)
    found = [(p.row, p.column, p.value, p.code, p.params["code"]) for p in info.value.problems]
    assert found == [(row, "level", value, "bad_hierarchy", code)]
    assert con.execute("SELECT count(*) FROM jurisdictions").fetchone() == (0,)


def test_a_level_no_map_knows_is_still_named_with_the_four_valid_ones(con, tmp_path):
    with pytest.raises(IngestError) as info:
        load_registry(con, tmp_path, "code,name_zh,level,parent_code\nC1,市,市,\nX1,总队,总队,C1\n")
    assert [str(p) for p in info.value.problems] == [
        "row 3, column level: '总队' is not a valid level (valid: city, district, station, community); add it to "
        "the value map"]


# ------------------------------------------------------------------------------------- figures


def test_village_respondents_count_in_their_station_district_and_city(con, tmp_path):
    load_registry(con, tmp_path)
    result = load_survey(con, tmp_path)
    assert result.summary["respondents"] == 9
    codes = dict(con.execute("SELECT respondent_id, jurisdiction_code FROM respondents").fetchall())
    assert [k for k, v in codes.items() if v == "V1"] == ["R01", "R02", "R03", "R04"]
    warnings = result.warnings
    # 5 rows are coded to a community (R01-R04 V1, R07 V2); none to a district or city
    assert any(w.startswith("5 respondent(s) are attached to a community") for w in warnings), warnings
    assert not any("not a station" in w for w in warnings), warnings
    for level in ("station", "district", "city"):
        got = satisfaction(con, level)
        want = {code: value for (lv, code), value in EXPECTED.items() if lv == level}
        assert set(got) == set(want), level
        for code, (n, estimate) in want.items():
            assert got[code][0] == n and got[code][1] == pytest.approx(estimate, abs=1e-12), (level, code)


def test_rows_coded_to_a_district_still_warn_but_community_rows_do_not(con, tmp_path):
    load_registry(con, tmp_path)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    survey = "编号,访问时间,辖区,满意度\nR01,2025-03-05,V1,5\nR02,2025-03-06,D1,4\n"
    result = ingest_file(con, "survey", write(tmp_path, "mixed.csv", survey), user=LOCAL_USER,
                         constants={"mode": "phone"})
    warnings = result.warnings
    assert sum("not a station" in w for w in warnings) == 1
    assert any(w.startswith("1 respondent(s) are attached to a district or city") for w in warnings), warnings
    assert any(w.startswith("1 respondent(s) are attached to a community") for w in warnings), warnings


def test_cases_coded_to_a_village_count_in_their_station(con, tmp_path):
    load_registry(con, tmp_path)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)  # tiny bases, compared with a hand count
    cases = ("案件编号,所属派出所,案件类别,报案时间,首次响应时间,结案时间,案件状态,处理结果\n"
             "AJ1,V1,盗窃,2025/3/5 8:00,2025/3/5 8:20,2025/3/9 17:00,已结案,破案\n"
             "AJ2,V1,盗窃,2025/3/6 8:00,2025/3/6 8:30,2025/3/9 17:00,已结案,未破案\n"
             "AJ3,S1,盗窃,2025/3/7 8:00,2025/3/7 8:10,2025/3/9 17:00,已结案,破案\n"
             "AJ4,V2,盗窃,2025/3/7 8:00,2025/3/7 8:10,2025/3/9 17:00,已结案,未破案\n")
    ingest_file(con, "cases", write(tmp_path, "cases.csv", cases), user=LOCAL_USER)
    assert con.execute("SELECT count(*) FROM cases WHERE jurisdiction_code = 'V1'").fetchone() == (2,)
    table = case_metrics(con, Selection(period_kind="all", level="station"), metrics=["solved_rate"])
    solved = {r["jurisdiction"]: (int(r["n"]), float(r["value"])) for r in table.to_dict("records")}
    # S1: AJ1 solved, AJ2 not (both in V1), AJ3 solved -> 2 of 3; S2: AJ4 (V2) not solved -> 0 of 1
    assert solved["S1"] == (3, pytest.approx(2 / 3)) and solved["S2"] == (1, 0.0)
    district = case_metrics(con, Selection(period_kind="all", level="district"), metrics=["solved_rate"])
    assert {r["jurisdiction"]: int(r["n"]) for r in district.to_dict("records")} == {"D1": 4}


# ------------------------------------------------------------------------------------- permissions


def test_a_station_user_sees_its_own_communities_and_no_other_stations(con, tmp_path):
    load_registry(con, tmp_path)
    load_survey(con, tmp_path)
    own, other = User("s1", "station", "S1"), User("s2", "station", "S2")
    assert visible_codes(con, own) == {"C1", "D1", "S1", "V1"}
    assert visible_codes(con, other) == {"C1", "D1", "S2", "V2"}
    # S2's user: its own station's figure (its village V2 included), never S1's or V1's respondents
    assert satisfaction(con, "station", other) == {"S2": EXPECTED[("station", "S2")]}
    assert satisfaction(con, "station", own) == {"S1": EXPECTED[("station", "S1")]}
    # the averages above are the whole district's and city's, as for any station user
    assert satisfaction(con, "district", other) == {"D1": pytest.approx(EXPECTED[("district", "D1")])}


def test_the_map_does_not_ask_for_community_shapes(con, tmp_path):
    load_registry(con, tmp_path)
    assert geo.match_boundaries(con, {}).missing == ["D1", "D2", "S1", "S2", "S3"]


def test_figures_per_community_are_not_offered():
    from analytics import choices
    from analytics.errors import UnknownNameError
    assert "community" not in choices.LEVELS
    with pytest.raises(UnknownNameError):
        Selection(level="community")


# ------------------------------------------------------------------------------------- the migration


def _migration_version() -> int:
    (name,) = [name for name, _text in store.migration_texts() if name.endswith("_community_level.sql")]
    return int(re.match(r"\d+", name).group())


def test_the_migration_keeps_an_existing_registry(tmp_path):
    """A store at the schema before the migration, with a registry loaded then, is migrated like a user's file."""
    version = _migration_version()
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    try:
        apply_migrations_before(con, version)
        with pytest.raises(duckdb.ConstraintException):  # the old CHECK: three levels only
            con.execute("INSERT INTO jurisdictions VALUES ('V0', '村', 'V', 'S01', 'community', NULL, NULL)")
        con.execute("INSERT INTO jurisdictions VALUES ('C01', '江城市', 'Jiangcheng', NULL, 'city', 1216383, 1),"
                    " ('D01', '东湖区', 'Donghu', 'C01', 'district', 322509, 1),"
                    " ('S01', '东湖路派出所', 'Donghu Road', 'D01', 'station', NULL, 2)")
        rows = "SELECT * FROM jurisdictions ORDER BY code"
        ancestors = "SELECT * FROM jurisdiction_ancestors ORDER BY ALL"
        before, before_up = con.execute(rows).fetchall(), con.execute(ancestors).fetchall()
        assert version in store.migrate(con)
        assert con.execute(rows).fetchall() == before
        assert con.execute(ancestors).fetchall() == before_up
        # the wider CHECK: a community is accepted, an unknown level still is not; codes stay unique
        con.execute("INSERT INTO jurisdictions VALUES ('V1', '村', 'Village', 'S01', 'community', NULL, 3)")
        assert ("V1", "C01", "city", 3) in con.execute(ancestors).fetchall()
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO jurisdictions VALUES ('X1', 'x', 'x', 'S01', 'hamlet', NULL, NULL)")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO jurisdictions VALUES ('S01', 'x', 'x', 'D01', 'station', NULL, NULL)")
    finally:
        con.close()


def test_a_migrated_store_takes_a_village_registry(tmp_path, monkeypatch):
    """The same file through the application: migrated on open, then a village loads under its station."""
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    version = _migration_version()
    old = duckdb.connect(str(tmp_path / "old.duckdb"))
    apply_migrations_before(old, version)
    old.close()
    con = store.connect(tmp_path / "old.duckdb")
    try:
        load_registry(con, tmp_path)
        assert con.execute("SELECT count(*) FROM jurisdictions WHERE level = 'community'").fetchone() == (2,)
    finally:
        con.close()
