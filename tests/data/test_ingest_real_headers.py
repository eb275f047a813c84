"""Issue 13 (real files, first time): long English headers, indicator-like columns left unmapped, value
maps without JSON, jurisdictions of several cities, survey waves. Every fixture is written by the test
itself and checked against figures computed by hand."""

import pytest

from analytics import engine, store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, propose_mapping, report_lines
from tests.data import test_ingest_fixtures as base

secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db
snapshot = base.snapshot
answers = base.answers

# UTF-16 "Unicode text" with tabs, as Excel saves it, with the long English headers of a commissioned survey.
LONG_HEADERS = ["Respondent ID", "Interview date (dd/mm/yyyy)", "Police station",
                "Seen police patrol (last 3 months)", "Knows how to contact police", "Overall satisfaction (1-5)",
                "Comments"]
LONG_ROWS = [
    ["E01", "05/03/2025", "S01", "Yes", "Yes", "5", "fine"],
    ["E02", "06/03/2025", "S01", "No", "Yes", "4", ""],
    ["E03", "14/03/2025", "S01", "Yes", "No", "2", "slow"],
    ["E04", "20/03/2025", "S01", "Don't know", "Yes", "3", ""],
]


def write_utf16_tab(path, headers, rows):
    text = "\r\n".join("\t".join(r) for r in [headers, *rows]) + "\r\n"
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Excel writes it
    return path


def test_long_english_headers_are_proposed_for_the_key_indicators(reg_db, tmp_path):
    path = write_utf16_tab(tmp_path / "wave.txt", LONG_HEADERS, LONG_ROWS)
    proposal = propose_mapping(reg_db, "survey", path)
    targets = {c.header: (c.target, c.reason) for c in proposal.columns}
    assert targets == {
        "Respondent ID": ("respondent_id", "synonym"),
        "Interview date (dd/mm/yyyy)": ("interview_date", "synonym"),
        "Police station": ("jurisdiction", "synonym"),
        "Seen police patrol (last 3 months)": ("seen_police", "tokens"),
        "Knows how to contact police": ("knows_contact", "tokens"),
        "Overall satisfaction (1-5)": ("satisfaction", "synonym"),
        "Comments": ("ignore", ""),
    }
    assert proposal.unmapped_items == {}
    result = ingest_file(reg_db, "survey", path)
    got = answers(reg_db, result.batch_id)
    assert [got[(r, "seen_police")] for r in ("E01", "E02", "E03", "E04")] == ["1", "0", "1", "9"]
    assert [got[(r, "knows_contact")] for r in ("E01", "E02", "E03", "E04")] == ["1", "1", "0", "1"]
    store.set_setting(reg_db, "suppress_below_n_eff", 0)  # four respondents: show the estimates
    table = engine.indicator_table(reg_db, period_kind="month", level="station", jurisdiction_codes=["S01"])
    by_key = dict(zip(table["indicator"], table["estimate"], strict=True))
    # By hand: visibility 2 yes of 3 substantive answers (don't know left out); awareness 3 of 4;
    # satisfaction (top two of five) 5 and 4 of 5, 4, 2, 3 = 2 of 4.
    assert by_key["visibility"] == pytest.approx(2 / 3)
    assert by_key["awareness"] == pytest.approx(3 / 4)
    assert by_key["satisfaction"] == pytest.approx(2 / 4)


def test_unmapped_indicator_like_column_must_be_acknowledged(reg_db, tmp_path):
    # The header shares no synonym with seen_police, but its words do ("seen") and its answers are yes/no.
    headers = ["Respondent ID", "Interview date", "Police station", "Officers seen on foot nearby",
               "Overall satisfaction"]
    rows = [["F01", "2025-03-05", "S01", "yes", "5"], ["F02", "2025-03-06", "S01", "no", "4"]]
    path = write_utf16_tab(tmp_path / "f.txt", headers, rows)
    proposal = propose_mapping(reg_db, "survey", path)
    assert proposal.unmapped_items == {"Officers seen on foot nearby": "seen_police"}
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", path)
    assert snapshot(reg_db) == before
    assert report_lines(info.value)[1:3] == [
        "unmapped_item_column: 1",
        "  column Officers seen on foot nearby: This column looks like the answers to indicator item seen_police "
        "but is not mapped; map it to seen_police (or another item), or confirm it is not to be loaded (tick the "
        "box on the Upload page; --acknowledge HEADER; mapping option acknowledged)"]
    zh = info.value.problems[0].text("zh")
    assert zh.startswith("这一列看起来是指标题目 seen_police 的答案")
    result = ingest_file(reg_db, "survey", path,
                         mapping={"options": {"acknowledged": ["Officers seen on foot nearby"]}})
    assert result.rows == 2
    assert result.warnings[0:1] == ["These columns look like indicator questions and were, as confirmed, not loaded: "
                               "Officers seen on foot nearby."]
    assert {item for (_r, item) in answers(reg_db, result.batch_id)} == {"satisfaction"}


def test_chinese_indicator_like_column_by_shared_characters(reg_db, tmp_path):
    path = tmp_path / "zh.csv"
    path.write_text("问卷编号,调查日期,派出所,总体满意度,近三个月是否看到巡逻民警\n"
                    "Z01,2025-03-05,S01,满意,看到\n", encoding="utf-8")
    proposal = propose_mapping(reg_db, "survey", path)
    assert proposal.unmapped_items == {"近三个月是否看到巡逻民警": "seen_police"}
    mapped = ingest_file(reg_db, "survey", path, mapping={
        "columns": {"近三个月是否看到巡逻民警": "seen_police"}, "value_maps": {"seen_police": {"看到": "1"}}})
    assert answers(reg_db, mapped.batch_id)[("Z01", "seen_police")] == "1"
