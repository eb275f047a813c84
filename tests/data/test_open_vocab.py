"""Real files in (issue 13, items 1, 3, 4, 8): open labels, open case vocabularies, any survey mode, no data.

Every file is written by the test itself; every figure is computed by hand in the comments.
"""

from analytics.selection import Selection
import math

import pandas as pd
import pytest

from analytics import cases, store, trends
# Imported by name: this file's helper weights() reads a batch's weights.
from analytics.weights import margin_label_report, proposed_recodes, rake_and_refresh
from analytics.errors import IngestError, WeightingError
from analytics.ingest import ingest_file, problems_frame
from analytics.weighting import label_report, parse_band, rake_weights
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db
snapshot = base.snapshot


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def survey_csv(rows, header="问卷编号,调查日期,派出所,调查方式,总体满意度"):
    return header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"


def weights(con, batch_id):
    return dict(con.execute("SELECT respondent_id, weight FROM respondents WHERE batch_id = $b",
                            {"b": batch_id}).fetchall())


# ---------------------------------------------------------------------------------------------
# Survey modes (item 4)


def test_gbk_three_mode_wave_with_chinese_answers_loads(reg_db, tmp_path):
    rows = [("M1", "2025-03-05", "东湖路派出所", "邮寄", "满意"), ("M2", "2025-03-06", "东湖路派出所", "Mail", "非常满意"),
            ("W1", "2025-03-05", "东湖路派出所", "网络", "不满意"), ("W2", "2025-03-06", "南港路派出所", "web", "满意"),
            ("P1", "2025-03-07", "南港路派出所", "电话", "一般"), ("P2", "2025-03-07", "南港路派出所", "电话调查", "满意"),
            ("Q1", "2025-03-08", "南港路派出所", "扫码评警", "非常满意"), ("V1", "2025-03-08", "南港路派出所", "IVR", "满意")]
    path = write(tmp_path, "three_mode.csv", survey_csv(rows), encoding="gbk")
    result = ingest_file(reg_db, "survey", path, user=LOCAL_USER)
    assert result.summary["encoding"] == "GB18030 (GBK)"
    assert result.summary["survey_modes"] == {"ivr": 1, "mail": 2, "online": 2, "phone": 2, "qr_code": 1}
    assert result.summary["survey_mode"] == "ivr+mail+online+phone+qr_code"
    got = dict(reg_db.execute("SELECT respondent_id, survey_mode FROM respondents").fetchall())
    assert got == {"M1": "mail", "M2": "mail", "W1": "online", "W2": "online", "P1": "phone", "P2": "phone",
                   "Q1": "qr_code", "V1": "ivr"}
    answers = base.answers(reg_db, result.batch_id)
    assert [answers[(r, "satisfaction")] for r in ("M1", "M2", "W1", "P1")] == ["4", "5", "2", "3"]
    zh = " ".join(result.warning_texts("zh"))
    assert "混合方式" in zh and "mail (2)" in zh
    assert reg_db.execute("SELECT survey_mode FROM batches WHERE batch_id = $b", {"b": result.batch_id}
                          ).fetchall() == [("ivr+mail+online+phone+qr_code",)]


def test_unknown_mode_label_is_kept_with_a_warning(reg_db, tmp_path):
    rows = [("K1", "2025-03-05", "S01", "Kiosk", "满意"), ("K2", "2025-03-05", "S01", "KIOSK ", "满意")]
    result = ingest_file(reg_db, "survey", write(tmp_path, "kiosk.csv", survey_csv(rows)), user=LOCAL_USER)
    assert result.summary["survey_modes"] == {"kiosk": 2}
    assert any("kiosk" in w and "value_maps.mode" in w for w in result.warnings)


def test_a_change_of_the_mode_mix_is_a_break(reg_db, tmp_path):
    # March: 4 phone + 4 web (50% / 50%). April: 1 phone + 7 web (12.5% / 87.5%): web's share moved by
    # 37.5 points > 25 -> a break, although both months have the same two modes. May: 2 phone + 6 web
    # (25% / 75%): moved 12.5 points from April -> no break.
    rows = []
    for month, phone, web in (("03", 4, 4), ("04", 1, 7), ("05", 2, 6)):
        rows += [(f"R{month}p{i}", f"2025-{month}-10", "S01", "电话", "满意") for i in range(phone)]
        rows += [(f"R{month}w{i}", f"2025-{month}-10", "S01", "网络", "满意") for i in range(web)]
    ingest_file(reg_db, "survey", write(tmp_path, "mix.csv", survey_csv(rows)), user=LOCAL_USER)
    breaks = trends.mode_breaks(reg_db, Selection(), indicators=['satisfaction'], by_jurisdiction=False)
    assert breaks[["month_before", "month_after", "modes_before", "modes_after", "mix_before", "mix_after"]
                  ].to_dict("records") == [{
        "month_before": pd.Timestamp("2025-03-01").date(), "month_after": pd.Timestamp("2025-04-01").date(),
        "modes_before": "online+phone", "modes_after": "online+phone",
        "mix_before": "online 50%, phone 50%", "mix_after": "online 88%, phone 12%"}]


# ---------------------------------------------------------------------------------------------
# Open demographic labels and raking (item 1)


VENDOR_BANDS = ["16-34"] * 10 + ["35-54"] * 12 + ["55+"] * 8


def vendor_file(tmp_path, bands=VENDOR_BANDS, education=None):
    header = "问卷编号,调查日期,派出所,调查方式,总体满意度,年龄段,文化程度"
    edu = education or ["College" if i % 2 else "school" for i in range(len(bands))]
    rows = [(f"A{i:03d}", "2025-03-05", "S01", "phone", "满意", band, edu[i]) for i, band in enumerate(bands)]
    return write(tmp_path, "vendor_bands.csv", survey_csv(rows, header))


def test_vendor_age_bands_load_and_rake_to_matching_margins(reg_db, tmp_path):
    result = ingest_file(reg_db, "survey", vendor_file(tmp_path), user=LOCAL_USER)
    assert result.rows == 30
    stored = reg_db.execute("SELECT code, count(*) FROM answers WHERE item = 'age_band' GROUP BY 1 ORDER BY 1"
                            ).fetchall()
    assert stored == [("16-34", 10), ("35-54", 12), ("55+", 8)]
    margins = pd.DataFrame({"age_band": ["16-34", "35-54", "55+"], "population": [400.0, 350.0, 250.0]})
    rake_weights(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id], user=LOCAL_USER)
    w = weights(reg_db, result.batch_id)
    # One margin: weight = population / respondents of the band: 400/10, 350/12, 250/8.
    assert w["A000"] == pytest.approx(40.0)
    assert w["A010"] == pytest.approx(350 / 12)
    assert w["A029"] == pytest.approx(31.25)


def test_labels_match_case_folded(reg_db, tmp_path):
    result = ingest_file(reg_db, "survey", vendor_file(tmp_path), user=LOCAL_USER)
    margins = pd.DataFrame({"education": ["COLLEGE", "School"], "population": [600.0, 400.0]})
    rake_weights(reg_db, [margins], dims=[["education"]], batch_ids=[result.batch_id], user=LOCAL_USER)
    w = weights(reg_db, result.batch_id)
    assert (w["A001"], w["A000"]) == (pytest.approx(600 / 15), pytest.approx(400 / 15))  # 15 of each


def test_unmatched_bands_are_named_with_a_split_or_merge_proposal(reg_db, tmp_path):
    result = ingest_file(reg_db, "survey", vendor_file(tmp_path, bands=VENDOR_BANDS[:-1] + ["60-69"]), user=LOCAL_USER)
    margins = pd.DataFrame({"age_band": ["18-29", "30-44", "45-59", "60+"],
                            "population": [250.0, 250.0, 250.0, 250.0]})
    report = label_report(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id])
    sample = report[report["side"] == "sample"].set_index("label")
    assert sample["respondents"].to_dict() == {"16-34": 10, "35-54": 12, "55+": 7, "60-69": 1}
    assert sample.loc["60-69", "recode_to"] == "60+"              # inside one margin band
    assert "30-44 + 45-59" in sample.loc["35-54", "suggestion"]   # across two: split or merge
    assert "merge those margin rows into 30-59" in sample.loc["35-54", "suggestion"]
    assert pd.isna(sample.loc["35-54", "recode_to"])
    # No respondent carries any margin label as it stands (60-69 is only proposed for 60+).
    assert set(report.loc[report["side"] == "margins", "label"]) == {"18-29", "30-44", "45-59", "60+"}
    before = weights(reg_db, result.batch_id)
    with pytest.raises(WeightingError) as info:
        rake_weights(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id], user=LOCAL_USER)
    assert "age_band=35-54 (12 respondents)" in str(info.value)
    assert "recode 60-69 -> 60+" in str(info.value)
    assert {r["label"] for r in info.value.params["unmatched"] if r["side"] == "sample"} == {
        "16-34", "35-54", "55+", "60-69"}
    assert weights(reg_db, result.batch_id) == before


def test_a_proposed_recode_applies(reg_db, tmp_path):
    result = ingest_file(reg_db, "survey", vendor_file(tmp_path, bands=["16-24"] * 5 + ["25-34"] * 5 + ["35+"] * 10), user=LOCAL_USER)
    margins = pd.DataFrame({"age_band": ["16-34", "35+"], "population": [300.0, 700.0]})
    report = label_report(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id])
    recodes = {"age_band": {r.label: r.recode_to for r in report.itertuples() if r.side == "sample"}}
    assert recodes == {"age_band": {"16-24": "16-34", "25-34": "16-34"}}
    rake_weights(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id], recodes=recodes, user=LOCAL_USER)
    w = weights(reg_db, result.batch_id)
    assert (w["A000"], w["A010"]) == (pytest.approx(30.0), pytest.approx(70.0))  # 300/10, 700/10


def test_age_in_years_is_banded_to_the_margins_bands(reg_db, tmp_path):
    ages = ["16", "20", "34", "35", "54.0", "55", "70", "80"]
    header = "问卷编号,调查日期,派出所,调查方式,总体满意度,年龄"
    rows = [(f"Y{i}", "2025-03-05", "S01", "phone", "满意", age) for i, age in enumerate(ages)]
    result = ingest_file(reg_db, "survey", write(tmp_path, "ages.csv", survey_csv(rows, header)), user=LOCAL_USER)
    assert result.rows == 8
    margins = pd.DataFrame({"age_band": ["16-34", "35-54", "55岁及以上"], "population": [300.0, 400.0, 300.0]})
    rake_weights(reg_db, [margins], dims=[["age_band"]], batch_ids=[result.batch_id], user=LOCAL_USER)
    w = weights(reg_db, result.batch_id)
    # 16-34: 16, 20, 34 (3) -> 100 each; 35-54: 35, 54.0 (2) -> 200; 55+: 55, 70, 80 (3) -> 100.
    assert [round(w[f"Y{i}"], 6) for i in range(8)] == [100, 100, 100, 200, 200, 100, 100, 100]


def test_parse_band():
    assert parse_band("16-34") == (16, 35)
    assert parse_band("５５+") == (55, math.inf)
    assert parse_band("18岁以下") == (0, 18)
    assert parse_band("60岁及以上") == (60, math.inf)
    assert parse_band("30 to 44 years") == (30, 45)
    assert parse_band("男") is None and parse_band("44-30") is None


# ---------------------------------------------------------------------------------------------
# Open case vocabularies (item 3) and no data (item 8)


CASE_HEADER = "案件编号,所属派出所,案件类别,报案时间,结案时间,案件状态,处理结果"


def case_rows(rows):
    return CASE_HEADER + "\n" + "\n".join(
        f"{cid},{station},{category},2025-03-0{1 + i % 9} 08:00,2025-03-1{i % 9} 08:00,已结案,{outcome}"
        for i, (cid, station, category, outcome) in enumerate(rows)) + "\n"


OUTCOME_ROWS = [
    # disputes: 2 mediated, 3 failed (three spellings), 1 not accepted, 1 withdrawn
    ("D1", "S01", "纠纷", "调解成功"), ("D2", "S01", "邻里纠纷", "达成协议"), ("D3", "S01", "纠纷", "调解不成"),
    ("D4", "S01", "纠纷", "调解失败"), ("D5", "S01", "纠纷", "未达成协议"), ("D6", "S01", "纠纷", "不予受理"),
    ("D7", "S01", "纠纷", "撤案"),
    # crimes: theft solved x2, unsolved, referred, unmapped x2; robbery solved
    ("C1", "S01", "盗窃", "破案"), ("C2", "S01", "盗窃", "已侦破"), ("C3", "S01", "盗窃", "未破"),
    ("C4", "S01", "盗窃", "移交"), ("C5", "S01", "盗窃", "销案"), ("C6", "S01", "盗窃", "销案"),
    ("C7", "S01", "抢劫", "破案"),
    # an unmapped category
    ("O1", "S01", "噪音扰民", "已答复"),
]


@pytest.fixture
def small_bases(reg_db):
    store.set_setting(reg_db, "suppress_below_n_eff", 1, user=LOCAL_USER)
    store.set_setting(reg_db, "caution_below_n_eff", 1, user=LOCAL_USER)
    return reg_db


def metric(table, key, station="S01"):
    row = table[(table["metric"] == key) & (table["jurisdiction"] == station)].iloc[0]
    return row["n"], row["value"], row["flag"]


def test_case_export_with_everyday_outcomes_loads_and_feeds_the_rates(small_bases, tmp_path):
    con = small_bases
    result = ingest_file(con, "cases", write(tmp_path, "outcomes.csv", case_rows(OUTCOME_ROWS)), user=LOCAL_USER)
    assert result.rows == 15
    families = dict(con.execute("SELECT case_id, outcome FROM cases").fetchall())
    assert [families[c] for c in ("D3", "D4", "D5", "D6", "D7", "C5")] == [
        "mediation_failed", "mediation_failed", "mediation_failed", "not_accepted", "withdrawn", "other"]
    assert con.execute("SELECT category, category_label, outcome_label FROM cases WHERE case_id = 'O1'"
                       ).fetchall() == [("other", "噪音扰民", "已答复")]
    assert result.summary["unmapped_labels"] == {"category": {"噪音扰民": 1}, "outcome": {"销案": 2}}
    assert any("销案 (2)" in w and "left out of the solved-rate" in w for w in result.warnings)
    assert any("销案 (2)" in w for w in result.warning_texts("zh"))
    table = cases.case_metrics(con, Selection(period_kind='all'))
    # 调结率: base = closed disputes with a known result = D1..D5 (not accepted / withdrawn left out) = 5;
    # mediated D1, D2 -> 2/5.
    assert metric(table, "mediation_rate")[:2] == (5, pytest.approx(0.4))
    # 破案率 over the default crime families (theft, robbery, ...): C1-C4 and C7 (C5, C6 unmapped: out) = 5;
    # solved C1, C2, C7 -> 3/5.
    assert metric(table, "solved_rate")[:2] == (5, pytest.approx(0.6))
    only_theft = cases.case_metrics(con, Selection(period_kind='all'), crime_categories=['theft'])
    assert metric(only_theft, "solved_rate")[:2] == (4, pytest.approx(0.5))  # C1, C2 of C1-C4
    by_label = cases.outcome_rate(con, Selection(period_kind='all'), ['盗窃'], ['solved'])
    assert metric(by_label, "outcome_rate")[:2] == (4, pytest.approx(0.5))
    # An all-crime "solved or referred" rate: C1, C2, C4, C7 of 5.
    wide = cases.outcome_rate(con, Selection(period_kind='all'), cases.CRIME_CATEGORIES, ['solved', 'referred'])
    assert metric(wide, "outcome_rate")[:2] == (5, pytest.approx(0.8))


def test_a_mapped_label_leaves_other(small_bases, tmp_path):
    spec = {"value_maps": {"outcome": {"销案": "withdrawn"}, "category": {"噪音扰民": "dispute"}}}
    result = ingest_file(small_bases, "cases", write(tmp_path, "outcomes.csv", case_rows(OUTCOME_ROWS)),
                         mapping=spec, user=LOCAL_USER)
    assert result.summary["unmapped_labels"] == {}
    assert small_bases.execute("SELECT category, outcome FROM cases WHERE case_id IN ('O1', 'C5') ORDER BY case_id"
                               ).fetchall() == [("theft", "withdrawn"), ("dispute", "answered")]


def test_case_file_without_callbacks_is_no_data_not_zero(small_bases, tmp_path):
    con = small_bases
    ingest_file(con, "cases", write(tmp_path, "no_callbacks.csv", case_rows(OUTCOME_ROWS[:3])), user=LOCAL_USER)
    # S02 gives callbacks: 2 closed cases, 1 called back -> 50%.
    with_callbacks = ("案件编号,所属派出所,案件类别,报案时间,结案时间,案件状态,回访时间\n"
                      "B1,S02,纠纷,2025-03-01 08:00,2025-03-02 08:00,已结案,2025-03-03 08:00\n"
                      "B2,S02,纠纷,2025-03-01 08:00,2025-03-02 08:00,已结案,\n")
    ingest_file(con, "cases", write(tmp_path, "callbacks.csv", with_callbacks), user=LOCAL_USER)
    table = cases.case_metrics(con, Selection(period_kind='all'))
    n, value, flag = metric(table, "callback_coverage", "S01")
    assert flag == "no_data" and math.isnan(value)
    row = table[(table["metric"] == "callback_coverage") & (table["jurisdiction"] == "S01")].iloc[0]
    assert cases.metric_cell(row, "en") == "—" and cases.metric_cell(row, "zh") == "—"
    assert metric(table, "callback_coverage", "S02")[1:] == (pytest.approx(0.5), "ok")
    # The district (S01 + S02) has callback data from S02's file: 1 of 5 closed cases.
    district = cases.case_metrics(con, Selection(period_kind='all', level='district'))
    assert metric(district, "callback_coverage", "D01")[:2] == (5, pytest.approx(0.2))


def test_bad_case_file_is_all_or_nothing_and_labels_are_not_problems(reg_db, tmp_path):
    text = (CASE_HEADER + "\nE1,S01,飞碟,2025-02-30 08:00,,处理中,销案\nE2,S01,盗窃,2025-03-01 08:00,,处理中,\n"
            "E2,S01,盗窃,2025-03-01 08:00,,处理中,\n")
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "cases", write(tmp_path, "bad.csv", text, encoding="gbk"), user=LOCAL_USER)
    assert snapshot(reg_db) == before
    frame = problems_frame(info.value, "zh")
    assert sorted(frame["code"]) == ["duplicate_id", "impossible_date"]
    assert frame["row"].tolist() == [2, 4]


def test_rake_and_refresh_takes_batches_with_age_in_years_and_proposed_recodes(reg_db, tmp_path):
    header = "问卷编号,调查日期,派出所,调查方式,总体满意度,年龄"
    rows = [(f"Y{i}", "2025-03-05", "S01", "phone", "满意", age) for i, age in enumerate(["20", "40", "16-24"])]
    result = ingest_file(reg_db, "survey", write(tmp_path, "ages.csv", survey_csv(rows, header)), user=LOCAL_USER)
    frame = pd.DataFrame({"age_band": ["16-34", "35+"], "population": [600.0, 400.0]})
    report = margin_label_report(reg_db, frame, dims=[["age_band"]])
    # '16-24' is not a number of years: it is a label, inside the margin band 16-34.
    assert proposed_recodes(report) == {"age_band": {"16-24": "16-34"}}
    runs = rake_and_refresh(reg_db, frame, dims=[["age_band"]], recodes=proposed_recodes(report), user=LOCAL_USER)
    assert [ids for ids, _r in runs] == [[result.batch_id]]  # 'age' answers make the batch rakeable
    w = weights(reg_db, result.batch_id)
    assert (w["Y0"], w["Y1"], w["Y2"]) == (pytest.approx(300.0), pytest.approx(400.0), pytest.approx(300.0))
