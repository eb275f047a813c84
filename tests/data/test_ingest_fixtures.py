"""The upload fixture corpus (tests/fixtures/ingest/): the exact outcome of every awkward and bad file.

Loaded files: rows, mapping, codes and personal-data handling. Rejected files: the exact report
lines, and a database identical to what it was before.
"""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from analytics import store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, problems_frame, report_lines
from analytics.roles import LOCAL_USER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
SNAPSHOT_TABLES = ("batches", "respondents", "answers", "case_events", "jurisdictions", "items", "indicators",
                   "mappings", "audit_log", "indicator_cells")


@pytest.fixture
def secret(monkeypatch):
    """A fixed hashing secret, so no secret file is written into the repository."""
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory):
    """A database with the fixture registry (C01 > D01, D02 > S01..S05) loaded as batch 1, built once."""
    path = tmp_path_factory.mktemp("ingest_template") / "template.duckdb"
    con = store.connect(path)
    ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
    con.close()
    return path


@pytest.fixture
def reg_db(tmp_path, secret, registry_template):
    """A fresh copy of the registry database in tmp_path."""
    path = tmp_path / "t.duckdb"
    shutil.copyfile(registry_template, path)
    con = store.connect(path)
    yield con
    con.close()


def snapshot(con) -> dict:
    """Row counts of every data table and the data version: equal snapshots mean an unchanged database."""
    out = {t: con.execute("SELECT count(*) FROM " + t).fetchall()[0][0] for t in SNAPSHOT_TABLES}
    out["data_version"] = store.data_version(con)
    return out


def rejected(con, kind, name, **kwargs) -> list[str]:
    """Ingest a fixture that must be rejected; return the report lines after checking nothing changed."""
    before = snapshot(con)
    with pytest.raises(IngestError) as info:
        ingest_file(con, kind, FIXTURES / name, **kwargs, user=LOCAL_USER)
    assert snapshot(con) == before
    return report_lines(info.value)


def answers(con, batch_id) -> dict:
    rows = con.execute(
        "SELECT r.respondent_id, a.item, a.code FROM answers a JOIN respondents r USING (respondent_key) "
        "WHERE a.batch_id = $b", {"b": batch_id}).fetchall()
    return {(rid, item): code for rid, item, code in rows}


# ---------------------------------------------------------------------------------------------
# Files that load


def test_gbk_chinese_headers_station_names_text_answers(reg_db):
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    s = result.summary
    assert (result.batch_id, result.rows) == (2, 6)
    assert (s["encoding"], s["delimiter"], s["header_row"]) == ("GB18030 (GBK)", "comma", 1)
    assert s["columns"] == {
        "问卷编号": "respondent_id", "调查日期": "interview_date", "所属派出所": "jurisdiction",
        "是否见过民警巡逻": "seen_police", "是否认识社区民警": "knows_officer", "是否知道报警求助方式": "knows_contact",
        "总体满意度": "satisfaction", "安全感": "safety", "手机号码": "person_hash", "姓名": "ignore", "备注": "ignore"}
    assert s["personal_data"] == [
        {"column": "手机号码", "kind": "phone", "action": "hashed into person_hash"},
        {"column": "姓名", "kind": "name", "action": "dropped"}]
    rows = reg_db.execute("SELECT respondent_id, jurisdiction_code, interview_date, person_hash FROM respondents "
                          "WHERE batch_id = 2 ORDER BY respondent_id").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("G001", "S01", dt.date(2025, 3, 5)), ("G002", "S02", dt.date(2025, 3, 5)),
        ("G003", "S03", dt.date(2025, 3, 6)), ("G004", "S03", dt.date(2025, 3, 7)),
        ("G005", "S01", dt.date(2025, 3, 8)), ("G006", "S02", dt.date(2025, 3, 8))]
    hashes = [r[3] for r in rows]
    # G001 and G004 gave the same mobile written differently: one person, one keyed hash; G005 gave none.
    assert hashes[0] == hashes[3] and hashes[4] is None and len({h for h in hashes if h}) == 4
    assert all(len(h) == 64 for h in hashes if h)
    assert "The same person (by keyed hash) answered more than once: 1 repeat(s) within the file, 0 already loaded." \
        in result.warnings
    assert "同一人（按加密散列判断）多次作答：文件内重复 1 次，与已导入数据重复 0 次。" in result.warning_texts("zh")
    got = answers(reg_db, 2)
    assert len(got) == 30
    assert [got[("G00" + str(i), "seen_police")] for i in range(1, 7)] == ["1", "9", "0", "1", "0", "1"]
    assert [got[("G00" + str(i), "knows_officer")] for i in range(1, 7)] == ["0", "1", "0", "1", "0", "0"]
    # 知道/不知道 are yes/no answers for knows_contact, not don't-know.
    assert [got[("G00" + str(i), "knows_contact")] for i in range(1, 7)] == ["1", "0", "1", "1", "0", "1"]
    assert [got[("G00" + str(i), "satisfaction")] for i in range(1, 7)] == ["5", "4", "3", "2", "1", "4"]
    assert [got[("G00" + str(i), "safety")] for i in range(1, 7)] == ["5", "4", "9", "2", "1", "9"]


def test_no_clear_personal_data_anywhere(reg_db):
    ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER)
    # schema_version lists the migration files (0013_integrity.sql ...), written before any upload
    tables = [r[0] for r in reg_db.execute("SELECT table_name FROM duckdb_tables() "
                                             "WHERE table_name <> 'schema_version'").fetchall()]
    for table in tables:
        text = reg_db.execute("SELECT string_agg(CAST(t AS VARCHAR), '|') FROM " + table + " t").fetchall()[0][0] or ""
        for clear in ("13800138000", "0013", "张三", "李四"):
            assert clear not in text, (table, clear)


def test_utf16_tab_english_headers_dayfirst_detected(reg_db):
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_utf16_tab.txt", user=LOCAL_USER)
    s = result.summary
    assert (result.rows, s["encoding"], s["delimiter"], s["dayfirst"], s["survey_mode"]) == (
        4, "UTF-16 with BOM", "tab", True, "phone")
    rows = reg_db.execute("SELECT respondent_id, jurisdiction_code, interview_date, design_weight, weight "
                          "FROM respondents WHERE batch_id = 2 ORDER BY 1").fetchall()
    assert rows == [("U01", "S01", dt.date(2025, 3, 5), 1.2, 1.2), ("U02", "S01", dt.date(2025, 3, 6), 0.8, 0.8),
                    ("U03", "S02", dt.date(2025, 3, 25), 1.0, 1.0), ("U04", "S02", dt.date(2025, 3, 26), 1.5, 1.5)]
    got = answers(reg_db, 2)
    assert [got[(f"U0{i}", "satisfaction")] for i in range(1, 5)] == ["5", "4", "5", "9"]
    assert [got[(f"U0{i}", "safety")] for i in range(1, 5)] == ["4", "5", "3", "2"]
    assert reg_db.execute("SELECT survey_mode FROM batches WHERE batch_id = 2").fetchall() == [("phone",)]


def test_bom_semicolons_quotes_datetimes_and_excel_serials(reg_db):
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_bom_semicolon.csv", user=LOCAL_USER)
    assert (result.rows, result.summary["encoding"], result.summary["delimiter"]) == (4, "UTF-8 with BOM",
                                                                                      "semicolon")
    assert result.summary["ignored_columns"] == ["备注"]
    rows = reg_db.execute("SELECT respondent_id, jurisdiction_code, interview_date FROM respondents "
                          "WHERE batch_id = 2 ORDER BY 1").fetchall()
    assert rows == [("B01", "S01", dt.date(2025, 3, 5)), ("B02", "S02", dt.date(2025, 3, 5)),
                    ("B03", "S03", dt.date(2025, 3, 6)), ("B04", "S01", dt.date(2025, 3, 9))]
    got = answers(reg_db, 2)
    assert [got[(f"B0{i}", "seen_police")] for i in range(1, 5)] == ["1", "0", "1", "9"]


@pytest.mark.parametrize("empty_rows", [
    b",,,,,,,,,,\r\n",                        # a spreadsheet's empty row saved as CSV
    b"  \r\n,,,,,,,,,,\r\n",                  # with a line of spaces, which makes the loader pair lines and rows
    b'\t\r\n"",,,, ,,,,,,\r\n',                # empty quotes and a space
])
def test_rows_of_only_commas_are_blank_rows_not_an_accounting_failure(reg_db, tmp_path, empty_rows):
    """A line of only delimiters is read as a row whose fields are all blank: a blank row, counted apart. It once
    failed the load with "7 data lines in the file but 6 rows read" when another blank line was present, because the
    line scan counted it as a data line."""
    lines = (FIXTURES / "survey_gbk_chinese.csv").read_bytes().split(b"\r\n")
    path = tmp_path / "survey_empty_rows.csv"
    path.write_bytes(b"\r\n".join(lines[:4]) + b"\r\n" + empty_rows + b"\r\n".join(lines[4:]))
    result = ingest_file(reg_db, "survey", path, constants={"mode": "phone"}, user=LOCAL_USER)
    comma_rows = sum(1 for line in empty_rows.split(b"\r\n") if b"," in line)
    assert (result.rows, result.summary["rows_in_file"], result.summary["blank_rows"]) == (6, 6, comma_rows)


def test_a_short_row_of_only_commas_is_a_short_row(reg_db, tmp_path):
    """Too few delimiters for the header is a row the reader rejects (with its line), even when every field is empty."""
    lines = (FIXTURES / "survey_gbk_chinese.csv").read_bytes().split(b"\r\n")
    path = tmp_path / "survey_short_empty_row.csv"
    path.write_bytes(b"\r\n".join(lines[:4]) + b"\r\n  \r\n,,,\r\n" + b"\r\n".join(lines[4:]))
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", path, constants={"mode": "phone"}, user=LOCAL_USER)
    assert {(p.row, p.code) for p in info.value.problems} == {(6, "too_few_fields")}


def test_xlsx_with_title_row_blank_rows_dates_and_serials(reg_db):
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_title_row.xlsx", sheet="结果", user=LOCAL_USER)
    s = result.summary
    assert (result.rows, s["format"], s["sheet"], s["header_row"], s["blank_rows"]) == (4, "xlsx", "结果", 3, 1)
    assert s["personal_data"] == [{"column": "联系电话", "kind": "phone", "action": "hashed into person_hash"}]
    rows = reg_db.execute("SELECT respondent_id, jurisdiction_code, interview_date, person_hash IS NULL "
                          "FROM respondents WHERE batch_id = 2 ORDER BY 1").fetchall()
    assert rows == [("X01", "S01", dt.date(2025, 3, 5), False), ("X02", "S01", dt.date(2025, 3, 5), False),
                    ("X03", "S02", dt.date(2025, 3, 10), True), ("X04", "S03", dt.date(2025, 3, 10), False)]
    got = answers(reg_db, 2)
    assert [got[(f"X0{i}", "satisfaction")] for i in range(1, 5)] == ["5", "4", "3", "4"]
    assert [got[(f"X0{i}", "knows_officer")] for i in range(1, 5)] == ["1", "0", "9", "1"]


def test_station_own_file_takes_whole_file_values(reg_db):
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_station_own.csv",
                         constants={"jurisdiction": "江北路派出所", "interview_date": "2025年3月", "mode": "电话"}, user=LOCAL_USER)
    assert (result.rows, result.summary["survey_mode"]) == (2, "phone")
    assert reg_db.execute("SELECT DISTINCT jurisdiction_code, interview_date FROM respondents WHERE batch_id = 2"
                          ).fetchall() == [("S03", dt.date(2025, 3, 1))]


def test_ambiguous_dates_need_a_stated_order(reg_db):
    assert rejected(reg_db, "survey", "survey_ambiguous_dates.csv") == [
        "Rejected survey_ambiguous_dates.csv: 1 problem found; nothing was loaded.",
        "ambiguous_dates: 1",
        "  Dates such as '05/03/2025' can be read day-first or month-first; say which (--dayfirst or --monthfirst).",
    ]
    ingest_file(reg_db, "survey", FIXTURES / "survey_ambiguous_dates.csv", dayfirst=False, user=LOCAL_USER)
    assert reg_db.execute("SELECT min(interview_date) FROM respondents").fetchall() == [(dt.date(2025, 5, 3),)]


def test_jurisdictions_update_gbk_chinese_headers(reg_db):
    result = ingest_file(reg_db, "jurisdictions", FIXTURES / "jurisdictions_update.csv", user=LOCAL_USER)
    assert (result.rows, result.summary["added"], result.summary["updated"]) == (2, 1, 1)
    assert reg_db.execute("SELECT code, name_en, parent_code, level, population, batch_id FROM jurisdictions "
                          "WHERE code IN ('S01', 'S06') ORDER BY 1").fetchall() == [
        ("S01", "Donghu Road Police Station", "D01", "station", 81500, 2),
        ("S06", "Xinhua Street Police Station", "D02", "station", 41000, 2)]


# ---------------------------------------------------------------------------------------------
# Files that are rejected: exact report, database unchanged


def test_missing_required_fields(reg_db):
    assert rejected(reg_db, "survey", "survey_station_own.csv") == [
        "Rejected survey_station_own.csv: 2 problems found; nothing was loaded.",
        "missing_field: 2",
        "  No column gives interview_date and no value was set for the whole file; map a column to it or set one "
        "value (--set interview_date=VALUE).",
        "  No column gives jurisdiction and no value was set for the whole file; map a column to it or set one "
        "value (--set jurisdiction=VALUE).",
    ]


@pytest.mark.parametrize(("name", "code", "message"), [
    ("empty.csv", "empty_file", "The file is empty."),
    ("header_only.csv", "header_only", "The file has a header row but no data rows."),
    ("not_text.csv", "not_text",
     "The file is not a text file (CSV/TXT/TSV) or an .xlsx workbook; it looks like binary data."),
    ("old_excel.xls", "old_excel", "This is an old Excel .xls workbook, which cannot be read; open it in Excel and "
                                   "save it as .xlsx or as CSV UTF-8."),
])
def test_whole_file_problems(reg_db, name, code, message):
    assert rejected(reg_db, "survey", name) == [
        f"Rejected {name}: 1 problem found; nothing was loaded.", f"{code}: 1", f"  {message}"]


def test_rows_with_too_many_or_too_few_fields_keep_their_line_numbers(reg_db):
    assert rejected(reg_db, "survey", "ragged_rows.csv", constants={"mode": "phone"}) == [
        "Rejected ragged_rows.csv: 4 problems found; nothing was loaded.",
        "too_few_fields: 1",
        "  row 3: has 3 fields; the header has 4",
        "too_many_fields: 1",
        "  row 5: has 5 fields; the header has 4",
        "invalid_code: 1",
        "  row 6, column 满意度: '很好' is not yet mapped to an answer of satisfaction (codes: 5, 4, 3, 2, 1; don't know: 9); "
        "choose its code in the value map",
        "bad_quote: 1",
        "  row 7: a quoted value is not closed or has text after its closing quote",
    ]


def test_every_value_problem_is_reported_with_row_column_and_value(reg_db):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert rejected(reg_db, "survey", "bad_values.csv") == [
        "Rejected bad_values.csv: 10 problems found; nothing was loaded.",
        "impossible_date: 1",
        "  row 3, column 调查日期: '2025-02-30' is not a real calendar date",
        "bad_date: 1",
        "  row 4, column 调查日期: '下周二' is not a date (write it like 2025-03-05, 2025/3/5, "
        "2025年3月5日 or 05/03/2025)",
        "unknown_jurisdiction: 1",
        "  row 5, column 派出所: '东胡路派出所' is not a known jurisdiction; closest: "
        "东湖路派出所 / Donghu Road Police Station (S01); "
        "南港路派出所 / Nangang Road Police Station (S02); "
        "江北路派出所 / Jiangbei Road Police Station (S03); "
        "add it to the registry or load with --create-jurisdictions",
        "ambiguous_jurisdiction: 1",
        "  row 6, column 派出所: '城关派出所' is the name of several jurisdictions (S04, S05); use the code",
        "invalid_code: 2",
        "  row 7, column 总体满意度: '很满意啊' is not yet mapped to an answer of satisfaction (codes: 5, 4, 3, 2, 1; "
        "don't know: 9); choose its code in the value map",
        "  row 7, column 是否见过民警巡逻: '也许' is not yet mapped to an answer of seen_police (codes: 1, 0; don't know: 9); "
        "choose its code in the value map",
        "missing_value: 1",
        "  row 8, column 问卷编号: respondent_id is blank",
        "duplicate_id: 1",
        "  row 9, column 问卷编号: respondent id 'V01' appears more than once in the file (first at row 2)",
        "bad_number: 1",
        "  row 10, column 权重: '-2' is not a positive number",
        "date_out_of_range: 1",
        f"  row 11, column 调查日期: '1989-12-31' is outside 1990-01-01 to {tomorrow}",
    ]


def test_full_report_frame_for_download(reg_db):
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", FIXTURES / "bad_values.csv", user=LOCAL_USER)
    frame = problems_frame(info.value)
    assert list(frame.columns) == ["row", "column", "value", "code", "message"]
    assert len(frame) == 10
    first = frame.iloc[0][["row", "column", "value", "code"]].tolist()
    assert first == [3, "调查日期", "2025-02-30", "impossible_date"]
    assert info.value.params["counts"]["invalid_code"] == 2


def test_duplicates_against_loaded_data_and_the_same_file_twice(reg_db):
    ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER)
    assert rejected(reg_db, "survey", "survey_dup_loaded.csv") == [
        "Rejected survey_dup_loaded.csv: 1 problem found; nothing was loaded.",
        "duplicate_loaded: 1",
        "  row 2, column 问卷编号: respondent id 'G002' is already loaded (batch 2)",
    ]
    lines = rejected(reg_db, "survey", "survey_gbk_chinese.csv")
    assert lines[:3] == [
        "Rejected survey_gbk_chinese.csv: 7 problems found; nothing was loaded.",
        "already_loaded: 1",
        lines[2],
    ]
    assert lines[2].startswith("  This file was already loaded as batch 2 (survey_gbk_chinese.csv, ")
    assert lines[3:5] == ["duplicate_loaded: 6",
                          "  row 2, column 问卷编号: respondent id 'G001' is already loaded (batch 2)"]


def test_dry_run_checks_without_loading(reg_db):
    before = snapshot(reg_db)
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", dry_run=True, user=LOCAL_USER)
    assert (result.batch_id, result.rows, result.dry_run) == (None, 6, True)
    assert snapshot(reg_db) == before
    lines = rejected(reg_db, "survey", "bad_values.csv", dry_run=True)
    assert lines[0] == "Checked bad_values.csv: 10 problems found; nothing was loaded."


def test_personal_data_never_mapped_to_a_clear_field(reg_db):
    assert rejected(reg_db, "survey", "survey_pii_clear.csv", mapping={"columns": {"受访者": "respondent_id"}}) == [
        "Rejected survey_pii_clear.csv: 3 problems found; nothing was loaded.",
        "missing_field: 1",
        "  No column gives respondent_id and no value was set for the whole file; map a column to it or set one "
        "value (--set respondent_id=VALUE).",
        "personal_data: 2",
        "  column 受访者: this column holds phone numbers, which are never stored in clear; map it to person_hash "
        "(kept as a keyed hash) or to ignore",
        "  row 3, column 分层: looks like a phone or ID-card number, which must not be stored in clear; map this "
        "column to ignore",
    ]
    # The report masks the number too.
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", FIXTURES / "survey_pii_clear.csv", user=LOCAL_USER)
    assert [p.value for p in info.value.problems if p.code == "personal_data"] == ["139****5678"]


def test_xlsx_rows_keep_their_sheet_row_numbers(reg_db):
    assert rejected(reg_db, "survey", "survey_xlsx_bad.xlsx") == [
        "Rejected survey_xlsx_bad.xlsx: 2 problems found; nothing was loaded.",
        "impossible_value: 1",
        "  row 4, column 总体满意度: 7 is outside the scale 1–5 of satisfaction; if it is a code of the file's own "
        "(such as don't know), choose its code in the value map",
        "too_many_fields: 1",
        "  row 5: has 5 filled cells; the header has 4",
    ]


def test_unknown_sheet_lists_the_sheets(reg_db):
    assert rejected(reg_db, "survey", "survey_title_row.xlsx", sheet="Sheet9") == [
        "Rejected survey_title_row.xlsx: 1 problem found; nothing was loaded.",
        "unknown_sheet: 1",
        "  The workbook has no sheet named 'Sheet9'; its sheets are: 结果, 说明.",
    ]


def test_wrong_encoding_override(reg_db):
    assert rejected(reg_db, "survey", "survey_gbk_chinese.csv", encoding="utf-8") == [
        "Rejected survey_gbk_chinese.csv: 1 problem found; nothing was loaded.",
        "bad_encoding: 1",
        "  The file is not valid UTF-8 (byte 0, line 1); choose the file's encoding (--encoding).",
    ]


def test_upload_size_limit(reg_db):
    reg_db.execute("INSERT OR REPLACE INTO settings VALUES ('upload_max_mb', '0.0001')")
    assert rejected(reg_db, "survey", "survey_gbk_chinese.csv") == [
        "Rejected survey_gbk_chinese.csv: 1 problem found; nothing was loaded.",
        "too_large: 1",
        "  The file is 0.0 MB; the upload limit is 0 MB (setting upload_max_mb). Split the file and load the parts "
        "one by one.",
    ]


def test_bad_case_file(reg_db):
    # An unknown category label (飞碟) is no longer a problem: it is kept, family 'other' (tests/data/test_open_vocab.py).
    assert rejected(reg_db, "cases", "cases_bad.csv") == [
        "Rejected cases_bad.csv: 2 problems found; nothing was loaded.",
        "time_order: 1",
        "  row 2, column 结案时间: closed_at (2025-03-04 08:00) is before reported_at (2025-03-05 08:00)",
        "duplicate_id: 1",
        "  row 4, column 案件编号: case id 'K01' appears more than once in the file (first at row 2)",
    ]


def test_bad_jurisdiction_file(reg_db):
    assert rejected(reg_db, "jurisdictions", "jurisdictions_bad.csv") == [
        # A second root city (C02) is allowed since a database may hold several cities (issue 13.7).
        "Rejected jurisdictions_bad.csv: 5 problems found; nothing was loaded.",
        "unknown_parent: 1",
        "  row 3, column parent_code: parent 'D09' is neither in the file nor in the registry",
        "bad_hierarchy: 2",
        "  row 4, column level: Station 'S11' cannot be under Station 'S01'",  # levels by their catalog labels
        # 村 is kept as a community (below a station) since the fourth level; under a district it is out of place.
        "  row 7, column level: Community 'S13' cannot be under District 'D01'",
        "bad_number: 1",
        "  row 5, column population: '-5' is not a whole number of 0 or more",
        "duplicate_id: 1",
        "  row 6, column code: code 'S12' appears more than once in the file (first at row 5)",
    ]


def test_hierarchy_problems_name_levels_in_the_page_language_never_by_code(reg_db):
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "jurisdictions", FIXTURES / "jurisdictions_bad.csv", user=LOCAL_USER)
    hierarchy = [p for p in info.value.problems if p.code == "bad_hierarchy"]
    assert [p.text("zh", "page") for p in hierarchy] == ["派出所“S11”不能隶属于 派出所“S01”",
                                                         "社区/村“S13”不能隶属于 区（分局）“D01”"]
