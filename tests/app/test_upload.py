"""The Upload page: upload a file, confirm the proposed mapping, load it, and see the new batch."""

import hashlib
import re
from pathlib import Path

import pytest

from analytics import store
from analytics.i18n import t
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER
from tests.app.helpers import on_database, page_alone

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ingest"


def table_with(at, column):
    """The one table on the page that has ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


@pytest.fixture
def upload_app(tmp_path, monkeypatch):
    """The Upload page on a database holding only the fixture registry, as the local admin."""
    db = tmp_path / "upload.duckdb"
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    con = store.connect(db)
    ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
    con.close()
    with on_database(db, monkeypatch):
        yield (lambda lang: page_alone("upload", lang)), db


@pytest.mark.parametrize(("lang", "loaded", "kept"), [
    ("en", "Loaded batch 2: survey_gbk_chinese.csv, 6 rows.", "kept only as a keyed hash"),
    ("zh", "已导入批次 2：survey_gbk_chinese.csv，6 行。", "已转为加密散列值"),
])
def test_upload_page_ingests_a_file_after_confirming_the_mapping(upload_app, lang, loaded, kept):
    make, db = upload_app
    at = make(lang)
    at.file_uploader(key="up_file").set_value(
        ("survey_gbk_chinese.csv", (FIXTURES / "survey_gbk_chinese.csv").read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    preview = table_with(at, "问卷编号")
    assert list(preview.columns)[:3] == ["问卷编号", "调查日期", "所属派出所"]
    # Personal columns are masked even in the preview of the analyst's own file.
    assert preview["手机号码"].tolist()[:2] == ["138****8000", "139******9000"]
    assert preview["姓名"].tolist()[:2] == ["**", "**"]
    at.text_input(key="up_const_survey_mode").set_value("phone")
    at.button(key="up_load").click()
    at.run()
    assert not at.exception, at.exception
    # the file name is Markdown-escaped (it comes from the upload); as shown, the message reads plainly
    assert [re.sub(r"\\(.)", r"\1", s.value) for s in at.success] == [loaded]
    assert any(kept in t.value for t in at.text)
    facts = table_with(at, "项目" if lang == "zh" else "Item")
    facts = dict(zip(facts.iloc[:, 0], facts.iloc[:, 1], strict=True))
    assert facts["导入行数" if lang == "zh" else "Rows loaded"] == "6"
    assert facts["编码" if lang == "zh" else "Encoding"].startswith("GB18030")
    batches = table_with(at, "批次号" if lang == "zh" else "Batch")
    # Kind, status and survey mode in the user's language (issue 15 item 7): not 'survey', 'loaded', 'phone'.
    row = batches.iloc[0].tolist()
    assert row[:4] == [2, t("upload.kind.survey", lang), "survey_gbk_chinese.csv", 6]
    assert row[5:7] == [t("batch.status_value.loaded", lang), t("compare.mode.phone", lang)]
    con = store.connect(db)
    assert con.execute("SELECT count(*), min(b.survey_mode), min(r.survey_mode) FROM respondents r "
                       "JOIN batches b USING (batch_id)").fetchall() == [(6, "phone", "phone")]
    con.close()


def check_bad_values(make, lang):
    """The Upload page in ``lang`` after checking tests/fixtures/ingest/bad_values.csv."""
    at = make(lang)
    at.file_uploader(key="up_file").set_value(
        ("bad_values.csv", (FIXTURES / "bad_values.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="up_validate").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_upload_page_shows_the_ingest_problem_report(upload_app):
    make, db = upload_app
    at = check_bad_values(make, "en")
    assert [re.sub(r"\\(.)", r"\1", e.value) for e in at.error] == [  # the file name is Markdown-escaped
        "bad_values.csv was not loaded: 10 problem(s) found; the database is unchanged."]
    counts = table_with(at, "Count")
    assert dict(zip(counts["Problem"], counts["Count"], strict=True))["Answer not on the scale"] == 2
    rows = table_with(at, "Details")
    assert rows.iloc[0].tolist() == [3, "调查日期", "2025-02-30", t("ingest.problem.impossible_date", "en"),
                                     "'2025-02-30' is not a real calendar date"]
    assert [b.label for b in at.get("download_button")] == ["Download the full problem report (CSV)"]
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM batches").fetchall() == [(1,)]
    con.close()


def test_upload_page_reports_problems_in_chinese(upload_app):
    make, _db = upload_app
    rows = table_with(check_bad_values(make, "zh"), "说明")
    assert rows.iloc[0].tolist() == [3, "调查日期", "2025-02-30", t("ingest.problem.impossible_date", "zh"),
                                     "“2025-02-30”不是真实存在的日期"]


def test_the_preview_of_a_workbook_of_huge_cells_is_small(upload_app, tmp_path):
    # The finding: a 197 KB workbook sent a 201 MB preview message to the browser.
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["问卷编号", "调查日期", "派出所", "满意度"] + [f"备注{i}" for i in range(76)])
    for r in range(3):  # about 50 MB of sheet XML (the finding's file had 12 such rows, 200 MB): 50x the bound below
        # 30,000 characters each: within Excel's (and Jingmin's) cell limit, so the file is previewed, not refused
        ws.append([f"r{r}", "2025-03-05", "S01", "满意"] + ["很长的意见" * 6_000] * 76)
    path = tmp_path / "huge_cells.xlsx"
    wb.save(path)
    make, _db = upload_app
    at = make("en")
    at.file_uploader(key="up_file").set_value(("huge_cells.xlsx", path.read_bytes(), "application/vnd.ms-excel"))
    at.run()
    assert not at.exception, at.exception
    preview = table_with(at, "问卷编号")
    assert preview.shape == (3, 50)
    assert preview.iloc[0, 4] == ("很长的意见" * 40)[:199] + "…"
    sent = sum(len(d.proto.SerializeToString()) for d in at.dataframe)
    assert sent < 1_000_000, sent


def test_unmapped_indicator_like_column_must_be_confirmed_on_the_page(upload_app):
    """Issue 13.5: the page names the column and its likely item, and loads only after the analyst confirms."""
    make, db = upload_app
    at = make("en")
    data = (b"Respondent ID,Interview date,Police station,Officers seen on foot nearby,Overall satisfaction,Mode\n"
            b"P01,2025-03-05,S01,yes,5,phone\nP02,2025-03-06,S01,no,4,phone\n")
    at.file_uploader(key="up_file").set_value(("foot.csv", data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning][-1] == t("upload.unmapped_items", "en")
    looks = table_with(at, "Looks like item")
    assert looks.values.tolist() == [["Officers seen on foot nearby", "seen_police"]]
    assert not [b for b in at.button if b.key == "up_load"]  # nothing to load until confirmed
    at.checkbox(key="up_acknowledge").check()
    at.selectbox(key="up_within").set_value("C01")
    at.run()
    at.button(key="up_load").click()
    at.run()
    assert not at.exception, at.exception
    con = store.connect(db)
    assert con.execute("SELECT count(*), min(jurisdiction_code) FROM respondents").fetchall() == [(2, "S01")]
    summary = con.execute("SELECT summary->>'$.mapping_spec.options.acknowledged', "
                          "summary->>'$.mapping_spec.options.within' FROM batches WHERE kind = 'survey'").fetchall()
    assert summary == [('["Officers seen on foot nearby"]', "C01")]
    con.close()


def test_value_map_table_choose_a_code_for_an_unknown_answer_and_load(upload_app):
    """Issue 13 item 6: an unknown answer gets its code from the table's drop-down, no JSON typed."""
    make, db = upload_app
    at = make("en")
    # 总体满意度 (satisfaction, top-2 box): 满意 x4 (code 4), 不满意 x3 (code 2) and the unknown 还行吧 x3.
    answers = ["满意"] * 4 + ["不满意"] * 3 + ["还行吧"] * 3
    text = "问卷编号,调查日期,派出所,调查方式,总体满意度\n" + "".join(
        f"V{i},2025-03-05,S01,phone,{a}\n" for i, a in enumerate(answers))
    at.file_uploader(key="up_file").set_value(("values.csv", text.encode("utf-8"), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("**总体满意度** → `satisfaction` — unknown answers: 1" in m.value for m in at.markdown)
    table = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert len(table) == 1
    table = table[0].set_index("value")
    assert table.loc["还行吧", "count"] == 3 and table.loc["满意", "count"] == 4
    assert table.loc["还行吧", "status"] == "⚠ unknown" and table.loc["满意", "status"] == ""
    assert table.loc["满意", "code"].startswith("4 · ")
    # The analyst decides 还行吧 means 5 (very satisfied).
    row = list(table.index).index("还行吧")
    key = f"up_vals_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}_总体满意度"
    at.session_state[key] = {"edited_rows": {row: {"code": "5 · Very satisfied"}}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    at.button(key="up_load").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Loaded batch 2" in s.value for s in at.success), [s.value for s in at.success]
    con = store.connect(db)
    codes = dict(con.execute("SELECT code, count(*) FROM answers WHERE item = 'satisfaction' GROUP BY 1").fetchall())
    top2 = con.execute("SELECT sum(sum_y), sum(n) FROM indicator_cells WHERE indicator = 'satisfaction'").fetchone()
    con.close()
    assert codes == {"4": 4, "2": 3, "5": 3}
    # Top-2 box: (4 满意 + 3 还行吧 -> 5) / 10 = 0.7.
    assert top2 == (7.0, 10)
