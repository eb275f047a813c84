"""The record lists of the Integrity, Prevention, Voice and Cases pages on a store with rows coded to villages.

Each list names a row's station in the station column (S1 for a respondent, hazard or case of its village V1)
and the village or community by name in its own column, blank for a station's own rows. Before, the village's
code stood under "Station" on Integrity and its name under "Jurisdiction" on Prevention's opinions and Voice, and
no list had a village column.

The store: the community registry (S1 > V1 某村 "Village V1", S2 > V2 某社区 "Community V2", S3 in D2), 240
phone interviews in March 2025 (80 per station; S1's and S2's split between the station and its village; half men,
half women in each, so Breakdowns has groups to show) of which S1's 80 took 6 seconds for two or three answered
items (too fast: under SEC_PER_ITEM = 6 s per item, so S1 alerts on duration against S2 and S3, whose interviews
took 20 minutes), and the cases, disputes, hazards, demands and comments of tests/data/test_village_lists.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analytics import store
from analytics.ingest import ingest_file
from analytics.roles import User
from tests.app.helpers import on_database, start
from tests.conftest import copy_db
from tests.data import test_village_lists as records
from tests.data.test_ingest_community import REGISTRY

CODES = ["V1", "S1"] * 40 + ["V2", "S2"] * 40 + ["S3"] * 80
SURVEY = "编号,访问时间,开始时间,访问时长,辖区,满意度,安全感,性别\n" + "".join(
    f"R{i:03d},2025-03-{1 + i % 28:02d},2025-03-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}:00,"
    f"{0.1 if code in ('V1', 'S1') else 20},{code},{4 + i % 2},{3 + i % 3},{'男' if i % 4 < 2 else '女'}\n"
    for i, code in enumerate(CODES))


def build_village_store(path: Path, folder: Path) -> None:
    """The store described above at ``path`` (CSV files written to ``folder``)."""
    con = store.connect(path)
    admin = User("admin", "admin")
    try:
        for kind, text in (("jurisdictions", REGISTRY), ("survey", SURVEY), ("cases", records.CASES),
                           ("disputes", records.DISPUTES), ("hazards", records.HAZARDS),
                           ("demands", records.DEMANDS), ("comments", records.COMMENTS)):
            (folder / f"{kind}.csv").write_text(text, encoding="utf-8")
            ingest_file(con, kind, folder / f"{kind}.csv", user=admin,
                        constants={"mode": "phone"} if kind == "survey" else None)
    finally:
        con.close()


@pytest.fixture
def village_db(tmp_path, monkeypatch, built_db):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    template = built_db("village_lists_pages", lambda path: build_village_store(path, path.parent))
    path = copy_db(template, tmp_path / "village_lists.duckdb")
    with on_database(path, monkeypatch):
        yield path


def table_with(at, heading: str) -> pd.DataFrame:
    """The one table of the run with a column headed ``heading`` and a row in it."""
    (frame,) = [f.value for f in at.dataframe if heading in f.value.columns and len(f.value)]
    return frame


WORDS = {"zh": {"station": "派出所", "community": "社区/村", "S1": "某派出所", "V1": "某村", "S2": "另一派出所",
                "V2": "某社区", "hazard": "隐患编号", "case": "案件编号"},
         "en": {"station": "Station", "community": "Village / community", "S1": "Station", "V1": "Village V1",
                "S2": "Station two", "V2": "Community V2", "hazard": "Hazard", "case": "Case"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_integrity_respondents_show_the_station_and_the_village(village_db, lang):
    words = WORDS[lang]
    at = start(lang, page="integrity")
    rows = table_with(at, words["community"])
    # S1's 80 too-fast respondents, half of them in V1: all under station S1, the village by name or blank
    assert len(rows) == 80
    assert set(rows[words["station"]]) == {"S1"}
    assert rows[words["community"]].value_counts().to_dict() == {words["V1"]: 40, "": 40}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prevention_lists_show_the_station_and_the_village(village_db, lang):
    words = WORDS[lang]
    at = start(lang, page="prevention")
    hazards = table_with(at, words["hazard"]).set_index(words["hazard"])
    assert hazards[words["station"]].to_dict() == {"H1": words["S1"], "H2": words["S1"], "H3": words["S2"]}
    assert hazards[words["community"]].to_dict() == {"H1": words["V1"], "H2": "", "H3": words["V2"]}
    # the opinions on unsolved cases: K1 in V1, K2 in S1 itself, K3 in V2
    opinions = [f.value for f in at.dataframe if words["case"] in f.value.columns
                and words["community"] in f.value.columns and "K2" in set(f.value[words["case"]])]
    assert len(opinions) == 1
    by_case = opinions[0].set_index(words["case"])
    assert by_case[words["station"]].to_dict() == {"K1": words["S1"], "K2": words["S1"], "K3": words["S2"]}
    assert by_case[words["community"]].to_dict() == {"K1": words["V1"], "K2": "", "K3": words["V2"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_voice_and_open_loop_lists_show_the_station_and_the_village(village_db, lang):
    words = WORDS[lang]
    text = "内容（已脱敏）" if lang == "zh" else "Text (redacted)"
    at = start(lang, page="voice")
    demands = [f.value for f in at.dataframe if text in f.value.columns and "村口乱停车" in set(f.value[text])]
    assert len(demands) == 1
    by_text = demands[0].set_index(text)
    assert by_text.loc["村口乱停车", words["station"]] == words["S1"]
    assert by_text.loc["村口乱停车", words["community"]] == words["V1"]
    assert by_text.loc["晚上噪音扰民", words["community"]] == ""
    at = start(lang, page="cases")
    loop = table_with(at, words["community"]).set_index(words["case"])
    assert loop[words["station"]].to_dict() == {"K1": words["S1"], "K2": words["S1"], "K3": words["S2"]}
    assert loop[words["community"]].to_dict() == {"K1": words["V1"], "K2": "", "K3": words["V2"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_breakdowns_says_when_the_indicator_was_not_asked(village_db, lang):
    # The default indicator is visibility (见警率), which this survey did not ask: before, an empty chart and an
    # empty table were drawn; satisfaction, which it asked, is broken down by sex for the city.
    at = start(lang, page="breakdowns")
    (info,) = [i.value for i in at.info]
    assert ("见警率" if lang == "zh" else "Visibility") in info and not at.dataframe
    at.selectbox(key="bd_indicator").set_value("satisfaction").run()
    assert not at.exception, at.exception
    assert not any("见警率" in i.value or "Visibility" in i.value for i in at.info)
    groups = at.dataframe[0].value
    assert len(groups) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_integrity_respondents_name_the_unit_only_above_station_level(village_db, lang):
    # At station level a respondent's unit is its station: before, a "Unit" column repeated the "Station" column
    # (S1 and S1 on every row). It is left out there; at district level it is headed by the level's name and names
    # S1's district, D1, on each of S1's 80 too-fast respondents (REGISTRY: S1 and S2 in D1).
    words = WORDS[lang]
    unit_words = ("单位", "Unit")
    at = start(lang, page="integrity")
    rows = table_with(at, words["community"])
    assert not set(rows.columns) & {*unit_words, "区（分局）", "District"}
    assert rows.columns[:3].tolist() == [("问卷编号" if lang == "zh" else "Respondent id"),
                                         ("批次" if lang == "zh" else "Batch"), words["station"]]
    at.selectbox(key=f"level_{lang}").set_value("district").run()
    assert not at.exception, at.exception
    district = "区（分局）" if lang == "zh" else "District"
    rows = table_with(at, words["community"])
    assert not set(rows.columns) & set(unit_words)
    assert len(rows) == 80 and set(rows[district]) == {"D1"} and set(rows[words["station"]]) == {"S1"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_integrity_exclusions_give_the_reason_in_words(village_db, lang):
    # S1's 80 respondents are excluded for the duration alert: the list said "duration" (the check's code).
    words = WORDS[lang]
    at = start(lang, page="integrity")
    at.button(key="int_exclude").click().run()
    assert not at.exception, at.exception
    reason = "原因" if lang == "zh" else "Reason"
    listed = table_with(at, reason)
    assert len(listed) == 80 and set(listed[reason]) == {"访问时长" if lang == "zh" else "Duration"}
    # not restored: blank, where the word None stood
    assert set(listed["恢复人" if lang == "zh" else "Restored by"]) == {""}
    assert listed[words["community"]].value_counts().to_dict() == {words["V1"]: 40, "": 40}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cases_trend_says_when_every_value_is_suppressed(village_db, lang):
    # The four cases (tests/data/test_village_lists.py) give each station at most 2 callbacks in a period, far
    # below the suppression base (suppress_below_n_eff = 30): every callback-satisfaction value of the trend is
    # hidden. Before, an empty chart was drawn (y axis -1 to 4, no point); now the page says so in words.
    at = start(lang, page="cases")
    metric = "回访满意率" if lang == "zh" else "Callback satisfaction"
    nothing = "没有可画的趋势" if lang == "zh" else "no trend to draw"
    said = [i.value for i in at.info if metric in i.value and nothing in i.value]
    assert len(said) == 1 and ("最多 2 件" if lang == "zh" else "at most 2") in said[0]
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text") for c in at.get("plotly_chart")]
    assert metric not in titles
