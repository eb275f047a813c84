"""Record lists on a registry with villages and communities (社区/村) below the stations.

A row coded to a village is its station's row: the lists' ``station`` column names the station (the
``station``-level ancestor; the code itself for a row coded to a station), and the village is in its own
``community`` column with its names (blank for a station's own rows). Before, every list below selected the
row's own code as ``station`` (V1 under the heading "station"), and restoring the exclusions of a chosen
station left its villages' respondents excluded. The sidebar's jurisdiction filter and a station user's scope
take in the villages' rows.

Fixture: the registry of tests/data/test_ingest_community.py (S1 > V1 某村 "Village V1", S2 > V2 某社区
"Community V2", S3 in another district) and its survey (R01-R04 in V1, R05-R06 S1, R07 V2, R08 S2, R09 S3);
records below are coded by hand to villages and stations, and every expectation is read off these rows.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics import cases, integrity, prevention, store, voice
from analytics.cli import main as cli_main
from analytics.db import execute
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER, User
from analytics.selection import Selection
from tests.conftest import copy_db
from tests.data.test_ingest_community import REGISTRY, SURVEY

# K1 (V1) and K2 (S1) dissatisfied and not rectified -> the open loop; both unsolved with an opinion.
# K3 (V2) dissatisfied, unsolved, opinion; K4 (S3) satisfied and solved -> neither list.
# K1's reporter is party P2 of dispute J1 (V1), 41 days after it was found -> an escalation J1 -> K1.
CASES = """案件编号,所属派出所,案件类别,报案时间,案件状态,处理结果,回访时间,回访结果,整改状态,报案人电话,是否征求意见,意见建议内容
K1,V1,故意伤害,2025-04-20 10:00,已结案,未破,2025-04-25 10:00,不满意,未整改,13900000002,是,希望多巡逻
K2,S1,盗窃,2025-04-21 10:00,已结案,未破,2025-04-26 10:00,不满意,未整改,,是,电动车被盗一直没消息
K3,V2,盗窃,2025-04-22 10:00,已结案,未破,2025-04-27 10:00,不满意,未整改,,是,晚上路灯不亮
K4,S3,盗窃,2025-04-23 10:00,已结案,破案,2025-04-28 10:00,满意,,,,
"""
DISPUTES = """纠纷编号,所属派出所,发现日期,来源,纠纷类型,调处结果,调处日期,当事人电话
J1,V1,2025-03-10,大走访,邻里纠纷,调解不成,2025-03-20,13900000002
J2,S1,2025-03-11,排查,家庭纠纷,调解成功,2025-03-18,13900000003
"""
# Every hazard is past its deadline and not rectified by the as-of day (2025-04-28, K4's callback).
HAZARDS = """隐患编号,所属派出所,发现日期,场所类别,隐患等级,整改期限,整改日期
H1,V1,2025-01-01,消防,一般隐患,2025-01-15,
H2,S1,2025-01-02,消防,一般隐患,2025-01-20,
H3,V2,2025-01-03,消防,一般隐患,2025-01-25,
"""
DEMANDS = """诉求编号,渠道,受理时间,承办单位,诉求内容,办理状态,答复时间,答复内容
Q1,12345热线,2025-02-01 09:00,V1,村口乱停车,待办,,
Q2,网上留言,2025-02-02 09:00,S1,晚上噪音扰民,待办,,
Q3,信访,2025-02-03 09:00,V2,希望多巡逻,待办,,
"""
COMMENTS = """意见编号,来源,所属派出所,日期,意见建议
M1,调查问卷,V1,2025-02-01,社区民警很负责
M2,调查问卷,S1,2025-02-02,出警太慢
M3,调查问卷,V2,2025-02-03,总体还可以
"""
ADMIN = User("admin", "admin")
VILLAGE = {"community": "V1", "community_name_zh": "某村", "community_name_en": "Village V1"}
COMMUNITY = {"community": "V2", "community_name_zh": "某社区", "community_name_en": "Community V2"}
OWN = {"community": None, "community_name_zh": None, "community_name_en": None}


def load_village_city(con, folder: Path) -> None:
    """The community registry, survey and one file of every record kind, loaded through the pipeline."""
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    for kind, text in (("jurisdictions", REGISTRY), ("survey", SURVEY), ("cases", CASES), ("disputes", DISPUTES),
                       ("hazards", HAZARDS), ("demands", DEMANDS), ("comments", COMMENTS)):
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        ingest_file(con, kind, path, user=ADMIN, constants={"mode": "phone"} if kind == "survey" else None)


def _build_village_city(path: Path) -> None:
    con = store.connect(path)
    try:
        load_village_city(con, path.parent)
    finally:
        con.close()


@pytest.fixture
def city(tmp_path, monkeypatch, built_db):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    path = copy_db(built_db("village_lists_city", _build_village_city), tmp_path / "villages.duckdb")
    con = store.connect(path)
    yield con, path
    con.close()


def places(frame: pd.DataFrame, key: str) -> dict[str, tuple]:
    """id -> (station, community, community_name_zh, community_name_en), NaN read as None."""
    cols = ["station", "community", "community_name_zh", "community_name_en"]
    out = frame[[key, *cols]].astype(object).where(frame[[key, *cols]].notna(), None)
    return {str(r[key]): tuple(r[c] for c in cols) for r in out.to_dict("records")}


def at(station: str, where: dict) -> tuple:
    return (station, where["community"], where["community_name_zh"], where["community_name_en"])


ALL = Selection(period_kind="all", periods=("all",), user=ADMIN)


# ------------------------------------------------------------------------------------- integrity


def test_integrity_respondent_rows_name_the_station_and_the_village(city):
    con, _path = city
    rows = integrity.flagged_rows(con, ALL, only_flagged=False)
    got = places(rows, "respondent_id")
    assert got == {"R01": at("S1", VILLAGE), "R02": at("S1", VILLAGE), "R03": at("S1", VILLAGE),
                   "R04": at("S1", VILLAGE), "R05": at("S1", OWN), "R06": at("S1", OWN),
                   "R07": at("S2", COMMUNITY), "R08": at("S2", OWN), "R09": at("S3", OWN)}
    # the unit at the station level is the station for a village's respondents too
    assert set(rows.loc[rows["respondent_id"].isin(["R01", "R05"]), "unit"]) == {"S1"}


def _exclude(con, ids: list[str]) -> None:
    keys = [int(k) for (k,) in con.execute(
        "SELECT respondent_key FROM respondents WHERE list_contains(?, respondent_id) ORDER BY respondent_id",
        [ids]).fetchall()]
    execute(con, "integrity/exclude", {"keys": keys, "reasons": ["straight_lining"] * len(keys), "period": "all",
                                       "actor": "admin"})


def test_the_exclusion_list_names_the_station_and_the_village(city):
    con, _path = city
    _exclude(con, ["R01", "R05", "R07"])
    listed = integrity.exclusions(con, ALL)
    assert places(listed, "respondent_id") == {"R01": at("S1", VILLAGE), "R05": at("S1", OWN),
                                               "R07": at("S2", COMMUNITY)}


@pytest.mark.parametrize(("level", "code"), [("station", "S1"), ("district", "D1")])
def test_restoring_a_chosen_jurisdictions_exclusions_takes_its_villages(city, level, code):
    con, _path = city
    _exclude(con, ["R01", "R05", "R09"])
    # S1 (or D1 above it): R01 (V1) and R05 (S1) are its respondents; R09 (S3, district D2) is not.
    assert integrity.restore(con, ALL.with_(level=level, jurisdiction_codes=(code,))) == 2
    active = integrity.exclusions(con, ALL)
    assert sorted(active.loc[active["active"], "respondent_id"]) == ["R09"]


# ------------------------------------------------------------------------------------- prevention


def test_prevention_lists_name_the_station_and_the_village(city):
    con, _path = city
    overdue = prevention.overdue_hazards(con, ALL)
    assert places(overdue, "hazard_id") == {"H1": at("S1", VILLAGE), "H2": at("S1", OWN), "H3": at("S2", COMMUNITY)}
    # the station's names are the station's, not the village's
    h1 = overdue[overdue["hazard_id"] == "H1"].iloc[0]
    assert (h1["station_name_zh"], h1["station_name_en"]) == ("某派出所", "Station")
    esc = prevention.escalations(con, ALL)
    assert places(esc, "dispute_id") == {"J1": at("S1", VILLAGE)}
    j1 = esc.iloc[0]
    # the case it led to (K1, in V1) is placed the same way
    assert (j1["case_id"], j1["case_station"], j1["case_community"]) == ("K1", "S1", "V1")
    assert (j1["station_name_en"], j1["case_community_name_zh"]) == ("Station", "某村")
    opinions = prevention.unsolved_opinions(con, ALL)
    assert places(opinions, "case_id") == {"K1": at("S1", VILLAGE), "K2": at("S1", OWN), "K3": at("S2", COMMUNITY)}


def test_voice_and_open_loop_lists_name_the_station_and_the_village(city):
    con, _path = city
    assert places(voice.demand_texts(con, ALL), "demand_id") == {
        "Q1": at("S1", VILLAGE), "Q2": at("S1", OWN), "Q3": at("S2", COMMUNITY)}
    assert places(voice.comments_feed(con, ALL), "comment_id") == {
        "M1": at("S1", VILLAGE), "M2": at("S1", OWN), "M3": at("S2", COMMUNITY),
        # the opinions of the callbacks are comments of their cases
        "case:K1": at("S1", VILLAGE), "case:K2": at("S1", OWN), "case:K3": at("S2", COMMUNITY)}
    loop = cases.open_loop(con, Selection(level="station", user=ADMIN))
    assert places(loop, "case_id") == {"K1": at("S1", VILLAGE), "K2": at("S1", OWN), "K3": at("S2", COMMUNITY)}
    k1 = loop[loop["case_id"] == "K1"].iloc[0]
    assert (k1["station_name_zh"], k1["station_name_en"]) == ("某派出所", "Station")


# ------------------------------------------------------------------------------------- filters and scope


def _lists(con, sel: Selection) -> dict[str, set[str]]:
    detail = sel.user.can("record_detail")
    out = {"hazards": set(prevention.overdue_hazards(con, sel)["hazard_id"]),
           "open_loop": set(cases.open_loop(con, sel)["case_id"])}
    if detail:
        out |= {"escalations": set(prevention.escalations(con, sel)["dispute_id"]),
                "opinions": set(prevention.unsolved_opinions(con, sel)["case_id"]),
                "demands": set(voice.demand_texts(con, sel)["demand_id"]),
                "comments": set(voice.comments_feed(con, sel)["comment_id"])}
    if sel.user.can("integrity"):
        out["respondents"] = set(integrity.flagged_rows(con, sel, only_flagged=False)["respondent_id"])
    return out


S1_ROWS = {"hazards": {"H1", "H2"}, "open_loop": {"K1", "K2"}, "escalations": {"J1"}, "opinions": {"K1", "K2"},
           "demands": {"Q1", "Q2"}, "comments": {"M1", "M2", "case:K1", "case:K2"},
           "respondents": {"R01", "R02", "R03", "R04", "R05", "R06"}}


def test_the_jurisdiction_filter_keeps_a_stations_village_rows(city):
    con, _path = city
    assert _lists(con, ALL.with_(level="station", jurisdiction_codes=("S1",))) == S1_ROWS
    # the district above: S1's rows (its village's too) and S2's
    d1 = _lists(con, ALL.with_(level="district", jurisdiction_codes=("D1",)))
    assert d1["hazards"] == {"H1", "H2", "H3"} and d1["comments"] == S1_ROWS["comments"] | {"M3", "case:K3"}
    assert d1["respondents"] == S1_ROWS["respondents"] | {"R07", "R08"}


def test_a_station_user_sees_its_villages_rows_and_no_other_stations(city):
    con, _path = city
    s1 = User("s1", "station", "S1")
    for level in ("station", "district", "city"):
        got = _lists(con, ALL.with_(level=level, user=s1))
        assert got == {"hazards": {"H1", "H2"}, "open_loop": {"K1", "K2"}}, level  # never H3 or K3 (V2 of S2)


# ------------------------------------------------------------------------------------- the CLI


def _cli_rows(capsys, path: Path, *argv: str) -> list[dict[str, str]]:
    assert cli_main([*argv, "--db", str(path)]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_cli_prints_the_station_and_the_village(city, capsys):
    con, path = city
    con.close()
    rows = _cli_rows(capsys, path, "prevention", "overdue", "--period-kind", "all")
    assert {r["hazard_id"]: (r["station"], r["community"], r["community_name_en"]) for r in rows} == {
        "H1": ("S1", "V1", "Village V1"), "H2": ("S1", "", ""), "H3": ("S2", "V2", "Community V2")}
    rows = _cli_rows(capsys, path, "cases", "--open-loop")
    assert {r["case_id"]: (r["station"], r["community_name_zh"]) for r in rows} == {
        "K1": ("S1", "某村"), "K2": ("S1", ""), "K3": ("S2", "某社区")}
    rows = _cli_rows(capsys, path, "voice", "texts", "--period-kind", "all")
    assert {r["demand_id"]: (r["station"], r["community"]) for r in rows} == {
        "Q1": ("S1", "V1"), "Q2": ("S1", ""), "Q3": ("S2", "V2")}
    rows = _cli_rows(capsys, path, "prevention", "opinions", "--period-kind", "all")
    assert {r["case_id"]: (r["station"], r["community"], r["community_name_en"]) for r in rows} == {
        "K1": ("S1", "V1", "Village V1"), "K2": ("S1", "", ""), "K3": ("S2", "V2", "Community V2")}
    assert cli_main(["prevention", "escalations", "--period-kind", "all", "--format", "json", "--db",
                     str(path)]) == 0
    (esc,) = json.loads(capsys.readouterr().out)
    assert (esc["station"], esc["community"], esc["case_station"], esc["case_community"]) == ("S1", "V1", "S1", "V1")
