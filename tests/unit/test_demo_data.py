"""The demo city generator: deterministic, in the promised formats, with the planted story visible."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from tools import demo_data
from tools.demo_data import generate_demo_inputs

REPO = Path(__file__).resolve().parents[2]
YES_NO = {"是": 1, "否": 0, "说不清": 9}
LIKERT = {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1, "说不清": 9}
ITEMS = ["是否见过民警巡逻", "是否认识社区民警", "是否知道报警求助方式", "总体满意度", "安全感", "信任度",
         "服务态度", "出警速度", "执法公正", "沟通解释", "办理结果"]


def _sha(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    paths = generate_demo_inputs(tmp_path_factory.mktemp("demo"))
    return {p.name: p for p in paths}


@pytest.fixture(scope="module")
def stations(demo) -> pd.DataFrame:
    jur = pd.read_csv(demo["jurisdictions.csv"], dtype=str)
    return jur[jur["level"] == "station"].set_index("code")


def _read_sheet_fast(path: Path) -> pd.DataFrame:
    """Data rows (row 4 on) of the single-sheet survey workbook, parsed straight from its XML.

    openpyxl needs seconds for 180,000 cells; this regex pass needs a fraction of one. It handles
    only what the generator writes (shared strings, numbers, dates as serials with style 1), and
    ``test_xlsx_has_title_row_blank_row_header_and_codes`` checks it against openpyxl.
    """
    with zipfile.ZipFile(path) as archive:
        shared = archive.read("xl/sharedStrings.xml").decode("utf-8")
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    texts = re.findall(r"<si><t>([^<]*)</t></si>", shared)
    strings = np.array([html.unescape(t) for t in texts], dtype=object)
    cells = re.findall(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?><v>([^<]*)</v></c>', sheet)
    col, row, style, kind, raw = (np.array(part, dtype=object) for part in zip(*cells, strict=True))
    row = row.astype(int)
    header = {c: strings[int(v)] for c, r, v in zip(col, row, raw, strict=True) if r == 3}
    data = row >= 4
    values = raw.copy()
    is_str = kind == "s"
    values[is_str] = strings[raw[is_str].astype(int)]
    is_num = ~is_str & (style != "1")
    values[is_num] = raw[is_num].astype(int)
    is_date = style == "1"
    values[is_date] = pd.Timestamp("1899-12-30") + pd.to_timedelta(raw[is_date].astype(int), unit="D")
    table = pd.DataFrame({"row": row[data], "col": col[data], "value": values[data]})
    wide = table.pivot(index="row", columns="col", values="value")
    return wide[sorted(header)].rename(columns=header).reset_index(drop=True)


@pytest.fixture(scope="module")
def xlsx_table(demo) -> pd.DataFrame:
    return _read_sheet_fast(demo["survey_phone_2025q4_2026q3.xlsx"])


@pytest.fixture(scope="module")
def survey(demo, stations, xlsx_table) -> pd.DataFrame:
    """Both phone files in one frame with canonical codes, station codes and district."""
    gbk = pd.read_csv(demo["survey_phone_2024q4_2025q3_gbk.csv"], encoding="gbk", dtype=str)
    gbk["station"] = gbk["所属派出所"].map(dict(zip(stations["name_zh"], stations.index, strict=True)))
    gbk["date"] = pd.to_datetime(gbk["调查日期"], format="%Y/%m/%d")
    for item in ITEMS[:3]:
        gbk[item] = gbk[item].map(YES_NO)
    for item in ITEMS[3:]:
        labels = {**LIKERT, "非常安全": 5, "安全": 4, "不安全": 2, "非常不安全": 1,
                  "非常信任": 5, "信任": 4, "不信任": 2, "非常不信任": 1}
        gbk[item] = gbk[item].map(labels)
    xlsx = xlsx_table.copy()
    xlsx["station"] = xlsx["所属派出所"]
    xlsx["date"] = pd.to_datetime(xlsx["调查日期"])
    cols = ["问卷编号", "station", "date", *ITEMS, "性别", "年龄段", "联系电话"]
    both = pd.concat([gbk[cols], xlsx[cols]], ignore_index=True)
    both["district"] = both["station"].map(stations["parent_code"])
    both["after"] = both["date"] >= pd.Timestamp("2025-10-01")
    return both


@pytest.fixture(scope="module")
def cases(demo) -> pd.DataFrame:
    return pd.read_csv(demo["cases_2024q4_2026q3.csv"], dtype=str)


def _share(values: pd.Series, good: list[int]) -> float:
    """Share of substantive answers (code 9, don't know, excluded) that are in ``good``."""
    valid = values[values != 9]
    return float(valid.isin(good).mean())


# --- determinism and formats ---------------------------------------------------------------------
def test_same_seed_gives_the_shipped_files_byte_for_byte(demo, tmp_path):
    """The files written now with the fixed seed are the committed data/demo files, byte for byte: the generator
    is deterministic across processes and the shipped files are current. Only on a mismatch is it run a second
    time, to tell which of the two failed (a second run each time would double this module's time)."""
    shipped = [demo_data.DEMO_DIR / name for name in demo]
    regenerate = "data/demo is stale or missing: run `python -m tools.demo_data`"
    assert all(p.exists() for p in shipped), regenerate
    if _sha(shipped) != _sha(list(demo.values())):
        again = generate_demo_inputs(tmp_path / "again")
        assert _sha(again) == _sha(list(demo.values())), "the same seed gave different files in two runs"
        pytest.fail(regenerate)


def test_gbk_survey_decodes_as_gbk_and_not_as_utf8(demo):
    raw = demo["survey_phone_2024q4_2025q3_gbk.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.startswith("问卷编号,调查日期,所属派出所,是否见过民警巡逻")
    first = text.splitlines()[1].split(",")
    assert first[0].startswith("P2024Q4-") and first[1] == "2024/10/1" and first[2].endswith("派出所")


def test_xlsx_has_title_row_blank_row_header_and_codes(demo, xlsx_table):
    wb = load_workbook(demo["survey_phone_2025q4_2026q3.xlsx"], read_only=True)
    try:
        sheetnames = wb.sheetnames
        rows = list(wb["调查结果"].iter_rows(min_row=1, max_row=9, values_only=True))
    finally:
        wb.close()
    assert sheetnames == ["调查结果"]
    assert rows[0][0] == demo_data.XLSX_TITLE and "2025年第四季度至2026年第三季度" in rows[0][0]
    assert all(v is None for v in rows[1])
    assert rows[2][:3] == ("问卷编号", "调查日期", "所属派出所") and rows[2][-1] == "联系电话"
    assert all(isinstance(row[1], dt.datetime) for row in rows[3:])  # real Excel dates, not text
    # The fast XML reader used for the bulk checks agrees with openpyxl.
    assert list(xlsx_table.columns) == list(rows[2])
    assert [tuple(r) for r in xlsx_table.head(6).itertuples(index=False)] == rows[3:]

    codes = {s.code for s in demo_data.STATIONS}
    data = xlsx_table
    assert data["问卷编号"].str.fullmatch(r"P20(25Q4|26Q[123])-\d{6}").all()
    assert set(data["所属派出所"]) == codes
    assert set(data[ITEMS[:3]].stack()) == {0, 1, 9} and set(data[ITEMS[3:]].stack()) == {1, 2, 3, 4, 5, 9}
    assert data["联系电话"].map(type).eq(str).all()


def test_sms_file_has_bom_english_headers_and_three_level_answers(demo, stations):
    raw = demo["survey_sms_2024q4_2026q3.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,date,station,satisfaction_3,phone\n")
    sms = pd.read_csv(demo["survey_sms_2024q4_2026q3.csv"], encoding="utf-8-sig", dtype=str)
    assert set(sms["satisfaction_3"].dropna()) == {"满意", "基本满意", "不满意"}
    assert 0.02 < sms["satisfaction_3"].isna().mean() < 0.10
    assert set(sms["station"]) == set(stations["name_en"])
    assert sms["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_phone_numbers_look_like_mobile_numbers(survey, cases):
    for phones in (survey["联系电话"], cases["报案人电话"]):
        assert phones.str.fullmatch(r"1[358]\d{9}").all()


def test_jurisdictions_and_margins_are_consistent(demo):
    jur = pd.read_csv(demo["jurisdictions.csv"], dtype={"parent_code": str})
    assert jur["level"].value_counts().to_dict() == {"station": 16, "district": 4, "city": 1}
    stations = jur[jur["level"] == "station"]
    assert stations["population"].between(30_000, 120_000).all()
    assert stations["name_zh"].str.endswith("派出所").all()
    assert stations["name_en"].str.endswith("Police Station").all()
    by_district = stations.groupby("parent_code")["population"].sum()
    districts = jur[jur["level"] == "district"].set_index("code")["population"]
    assert (by_district == districts).all()
    assert jur.loc[jur["level"] == "city", "population"].item() == districts.sum()
    margins = pd.read_csv(demo["margins_age_sex.csv"])
    assert len(margins) == 4 * 2 * 4
    assert (margins.groupby("district")["population"].sum() == districts).all()


def test_row_counts_are_in_the_stated_ranges(demo, survey, cases):
    sms = pd.read_csv(demo["survey_sms_2024q4_2026q3.csv"], encoding="utf-8-sig", dtype=str)
    assert 20_000 <= len(survey) <= 22_500
    assert 2_500 <= len(sms) <= 3_500
    assert 23_000 <= len(survey) + len(sms) <= 25_000
    assert survey["问卷编号"].is_unique and sms["id"].is_unique
    assert 14_000 <= len(cases) <= 16_000 and cases["案件编号"].is_unique
    assert all(p.stat().st_size < 3_000_000 for p in demo.values())
    months = survey["date"].dt.to_period("M")
    assert months.nunique() == 24 and survey.groupby(["station", months]).size().min() >= 1


def test_cases_are_realistic_and_the_update_closes_open_cases(demo, cases):
    assert 0.08 <= (cases["案件状态"] == "处理中").mean() <= 0.12
    closed = cases[cases["案件状态"] == "已结案"]
    assert closed["结案时间"].notna().all() and closed["处理结果"].notna().all()
    assert cases.loc[cases["案件状态"] == "处理中", ["结案时间", "处理结果"]].isna().all().all()
    assert 0.70 <= closed["回访时间"].notna().mean() <= 0.90
    assert cases.loc[cases["案件类别"] != "纠纷", "是否达成调解协议"].isna().all()
    assert cases.loc[cases["回访结果"] != "不满意", "整改状态"].isna().all()
    assert cases.loc[cases["回访结果"] == "不满意", "整改状态"].notna().all()
    assert cases["报案时间"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").all()
    response = pd.to_datetime(cases["首次响应时间"]) - pd.to_datetime(cases["报案时间"])
    assert pd.Timedelta(minutes=5) < response.median() < pd.Timedelta(hours=2)
    petitions = closed[closed["案件类别"] == "信访"]
    days = pd.to_datetime(petitions["结案时间"]) - pd.to_datetime(petitions["报案时间"])
    late = days > pd.Timedelta(days=30)
    assert 0.02 < late.mean() < 0.25

    update = pd.read_csv(demo["cases_update_2026q3.csv"], dtype=str)
    assert list(update.columns) == list(cases.columns)
    assert 250 <= len(update) <= 350
    before = cases.set_index("案件编号").loc[update["案件编号"]]
    assert (before["案件状态"] == "处理中").all() and (update["案件状态"] == "已结案").all()
    assert update["回访时间"].notna().any()


# --- the planted story ---------------------------------------------------------------------------
def test_d02_campaign_raises_visibility_only_in_d02(survey):
    for district, frame in survey.groupby("district"):
        before = _share(frame.loc[~frame["after"], "是否见过民警巡逻"], [1])
        after = _share(frame.loc[frame["after"], "是否见过民警巡逻"], [1])
        if district == "D02":
            assert after - before > 0.10
        else:
            assert abs(after - before) < 0.05
    d02 = survey[survey["district"] == "D02"]
    knows = "是否认识社区民警"
    gain = _share(d02.loc[d02["after"], knows], [1]) - _share(d02.loc[~d02["after"], knows], [1])
    assert gain > 0.08


def test_s05_has_a_self_report_gap(survey, cases):
    callbacks = cases[cases["回访结果"].notna()]
    s05 = callbacks[callbacks["所属派出所"] == "S05"]["回访结果"]
    assert s05.isin(["满意", "基本满意"]).mean() > 0.95 and (s05 == "满意").mean() > 0.95
    city = _share(survey["总体满意度"], [4, 5])
    per_station = survey.groupby("station")["总体满意度"].apply(_share, good=[4, 5])
    assert per_station["S05"] < city
    assert per_station.rank()["S05"] <= 3  # among the lowest


def test_s07_callbacks_worst_and_s11_slowest_to_rectify(cases):
    callbacks = cases[cases["回访结果"].notna()]
    dissatisfied = callbacks.groupby("所属派出所")["回访结果"].apply(lambda v: (v == "不满意").mean())
    assert dissatisfied.idxmax() == "S07" and dissatisfied["S07"] > 0.2
    complaints = cases[cases["回访结果"] == "不满意"]
    unrectified = complaints.groupby("所属派出所")["整改状态"].apply(lambda v: (v == "未整改").mean())
    assert unrectified.idxmax() == "S11" and unrectified["S11"] > 0.3


def test_s16_is_the_small_sample_station(survey):
    per_quarter = survey.groupby(["station", survey["date"].dt.to_period("Q")]).size().unstack()
    assert (per_quarter.loc["S16"] < 20).all() and per_quarter.loc["S16"].sum() >= 80
    assert (per_quarter.drop(index="S16") >= 100).all().all()


def test_satisfaction_trends_up_and_depends_on_the_drivers(survey):
    quarters = survey.groupby(survey["date"].dt.to_period("Q"))["总体满意度"].apply(_share, good=[4, 5])
    assert quarters.iloc[-2:].mean() > quarters.iloc[:2].mean()
    drivers = ["服务态度", "出警速度", "执法公正", "沟通解释", "办理结果"]
    valid = survey[(survey[["总体满意度", *drivers]] != 9).all(axis=1)]
    x = np.column_stack([np.ones(len(valid)), valid[drivers].to_numpy(float)])
    coef = dict(zip(drivers, np.linalg.lstsq(x, valid["总体满意度"].to_numpy(float), rcond=None)[0][1:],
                    strict=True))
    assert min(coef["服务态度"], coef["办理结果"]) > max(coef["出警速度"], coef["执法公正"], coef["沟通解释"])


def test_phone_sample_over_represents_older_people_and_women(survey):
    assert (survey["性别"] == "女").mean() > 0.53
    assert (survey["年龄段"] == "60+").mean() > 0.30
