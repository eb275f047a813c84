"""Hostile names in uploaded files: SQL in headers, station names and item codes is only data; formulas in
names are neutralised in CSV exports; markup in names is escaped in the HTML and PowerPoint reports."""

from __future__ import annotations
from analytics.selection import Selection

import io
import json
import re
import zipfile
from html import unescape

import pytest

from analytics import engine, forum, report, store
from analytics.cli import main as cli_main
from analytics.errors import JingminError
from analytics.ingest import ingest_file
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

FIXTURES = base.FIXTURES
secret = base.secret  # the corpus fixtures: a fresh copy of the registry database per test
registry_template = base.registry_template
reg_db = base.reg_db

DROP = "x'); DROP TABLE batches; --"
HOSTILE_STATIONS = {  # code -> (name_zh, name_en)
    "H1": ("<script>alert(1)</script>", "**bold** _x_ [link](http://x)"),
    "H2": ('=HYPERLINK("http://x")', "+1"),
    "H3": (DROP, "@SUM(A1)"),
}
TABLES = ("batches", "respondents", "answers", "case_events", "jurisdictions", "indicator_cells", "audit_log",
          "items", "indicators", "mappings", "users")


def counts(con) -> dict[str, int]:
    # table names from the constant tuple above
    return {t: con.execute("SELECT count(*) FROM " + t).fetchall()[0][0] for t in TABLES}


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    import csv

    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def load_hostile_city(con) -> None:
    """Three stations with hostile names, and a survey of 40 respondents each in 2025Q1 and 2025Q2."""
    rows = [["code", "name_zh", "name_en", "parent_code", "level"]]
    rows += [[code, zh, en, "D01", "station"] for code, (zh, en) in HOSTILE_STATIONS.items()]
    ingest_file(con, "jurisdictions", csv_bytes(rows), source_name="hostile_stations.csv", user=LOCAL_USER)
    survey = [["问卷编号", "调查日期", "派出所", "满意度", "安全感"]]
    for code in HOSTILE_STATIONS:
        for i in range(40):
            # satisfaction falls from Q1 to Q2, so changes are negative numbers
            q1 = "非常满意" if i < 36 else "不满意"
            q2 = "非常满意" if i < 16 else "不满意"
            survey.append([f"{code}-a{i}", "2025-02-10", code, q1, "安全"])
            survey.append([f"{code}-b{i}", "2025-05-10", code, q2, "安全"])
    ingest_file(con, "survey", csv_bytes(survey), source_name="hostile_survey.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")


@pytest.fixture
def hostile_db(reg_db):
    load_hostile_city(reg_db)
    return reg_db


def test_sql_in_station_names_and_codes_is_only_data(reg_db):
    before = counts(reg_db)
    load_hostile_city(reg_db)
    after = counts(reg_db)
    assert after["batches"] == before["batches"] + 2 and after["respondents"] == before["respondents"] + 240
    assert reg_db.execute("SELECT name_zh FROM jurisdictions WHERE code = 'H3'").fetchall() == [(DROP,)]
    # a code carrying SQL: loads as text or is rejected, and every table is still there either way
    rows = [["code", "name_zh", "parent_code", "level"], [DROP, "注入派出所", "D01", "station"]]
    middle = counts(reg_db)
    try:
        ingest_file(reg_db, "jurisdictions", csv_bytes(rows), source_name="code.csv", user=LOCAL_USER)
    except JingminError:
        assert counts(reg_db) == middle
    else:
        assert reg_db.execute("SELECT name_zh FROM jurisdictions WHERE code = $c", {"c": DROP}).fetchall() == [
            ("注入派出所",)]
    assert counts(reg_db)["batches"] >= middle["batches"]


def test_sql_in_a_survey_station_value_with_create_jurisdictions(reg_db):
    survey = [["问卷编号", "调查日期", "派出所", "满意度"], ["Q1", "2025-03-05", DROP, "满意"]]
    result = ingest_file(reg_db, "survey", csv_bytes(survey), source_name="s.csv", create_jurisdictions=True, user=LOCAL_USER)
    created = result.summary["created_jurisdictions"]
    assert created[0][0] == DROP and re.fullmatch(r"X[0-9A-F]{8}", created[0][1])  # a safe code is made up
    assert reg_db.execute("SELECT name_zh FROM jurisdictions WHERE code = $c", {"c": created[0][1]}).fetchall() == [
        (DROP,)]


@pytest.mark.parametrize("spec", [
    {"columns": {"满意度": DROP}},                                                      # a target that is SQL
    {"columns": {"满意度": "q1"}, "items": {DROP: {"codes": ["1", "2"], "scale": "categorical"}}},  # item name
    {"columns": {"满意度": "satisfaction"}, "indicators": [{"key": DROP, "item": "satisfaction",
                                                             "scoring": {"5": 1}}]},  # indicator key
    {"columns": {"满意度": "satisfaction"}, "indicators": [{"key": "ok_key", "item": DROP, "scoring": {"5": 1}}]},
])
def test_sql_in_item_codes_and_mapping_names_is_rejected_cleanly(reg_db, spec):
    data = csv_bytes([["问卷编号", "调查日期", "派出所", "满意度"], ["Q1", "2025-03-05", "S01", "满意"]])
    before = counts(reg_db)
    with pytest.raises(JingminError):
        ingest_file(reg_db, "survey", data, source_name="items.csv", mapping=spec, user=LOCAL_USER)
    assert counts(reg_db) == before


def test_csv_exports_neutralise_formulas_in_names_and_keep_negative_numbers(hostile_db, capsys):
    db = hostile_db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                            ).fetchall()[0][0]
    hostile_db.close()
    assert cli_main(["indicators", "--db", db, "--by", "jurisdiction,quarter", "--indicator", "satisfaction",
                     "--jurisdiction", "H1", "H2", "H3", "--changes", "previous"]) == 0
    text = capsys.readouterr().out
    assert "\"'=HYPERLINK(\"\"http://x\"\")\"" in text or "'=HYPERLINK(\"\"http://x\"\")" in text
    assert ",'+1," in text and ",'@SUM(A1)," in text
    assert not re.search(r"(^|,)\"?[=+@]", text, re.M), "a cell still starts with a formula character"
    # the changes are negative numbers, written as numbers (no quote prefix)
    q2 = [line for line in text.splitlines() if ",2025Q2," in line]
    assert len(q2) == 3 and all(",-0.5," in line for line in q2)


def test_html_and_pptx_reports_escape_markup_in_names(hostile_db):
    for lang in ("zh", "en"):
        summary = forum.forum_summary(hostile_db, Selection(period_kind='quarter', periods=('2025Q2',)), 'H1', lang)
        html_text = report.build_html(summary)
        assert "<script" not in html_text.lower()
        if lang == "zh":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
        else:
            assert "**bold** _x_ [link](http://x)" in unescape(html_text)  # shown literally, never as markup
            assert "<a " not in html_text
        with zipfile.ZipFile(io.BytesIO(report.build_pptx(summary))) as archive:
            xml = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
        assert "<script>" not in xml and ("&lt;script&gt;alert(1)" in xml or lang == "en")


def test_engine_tables_carry_names_as_stored(hostile_db):
    table = engine.indicator_table(hostile_db, Selection(period_kind='quarter', jurisdiction_codes=('H1', 'H2', 'H3')))
    assert set(table["name_en"]) == {en for _zh, en in HOSTILE_STATIONS.values()}
    assert json.dumps(sorted(set(table["name_zh"])), ensure_ascii=False)
