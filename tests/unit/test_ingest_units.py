"""Pieces of the upload pipeline on their own: detection, header guesses, value maps, dates, PII."""

import datetime as dt
import stat

import pytest

from analytics import vocabulary as F
from analytics.definitions import DEFAULT_ITEMS
from analytics.errors import ConfigError, IngestError
from analytics.ingest import pii
from analytics.ingest.mapping import _candidates, check_spec, guess_target, item_value_map
from analytics.ingest.problems import Problem, report_lines
from analytics.ingest.reading import cell_text, detect, open_source, unique_headers
from analytics.ingest.sqlrun import ident
from analytics.sqlfiles import statements

ITEMS = {i.item: i for i in DEFAULT_ITEMS}


def layout_of(data: bytes, name: str = "f.csv", **kwargs):
    with open_source(data, name, 10_000_000) as src:
        return detect(src, **kwargs)


@pytest.mark.parametrize(("data", "encoding", "delimiter", "header_row", "headers"), [
    (b"a,b,c\n1,2,3\n", "utf-8", ",", 1, ["a", "b", "c"]),
    ("\ufeff编号;日期;满意度\n1;2025-03-05;满意\n".encode(), "utf-8-sig", ";", 1, ["编号", "日期", "满意度"]),
    ("编号\t日期\n1\t2025-03-05\n".encode("utf-16"), "utf-16", "\t", 1, ["编号", "日期"]),
    ("问卷编号|派出所\nA|东湖路派出所\n".encode("gb18030"), "gb18030", "|", 1, ["问卷编号", "派出所"]),
    ("某市满意度调查结果,,\n\n编号,日期,满意度\n1,2025-03-05,满意\n".encode(), "utf-8", ",", 3,
     ["编号", "日期", "满意度"]),
    (b'"a,1",b,,b\n1,2,3,4\n', "utf-8", ",", 1, ["a,1", "b", "(column 3)", "b (2)"]),
])
def test_detect_layout(data, encoding, delimiter, header_row, headers):
    layout = layout_of(data)
    assert (layout.encoding, layout.delimiter, layout.header_row, layout.headers) == (
        encoding, delimiter, header_row, headers)


def test_encoding_override_and_unknown_encoding():
    layout = layout_of("编号,日期\n1,2\n".encode("gb18030"), encoding="GBK")
    assert (layout.encoding, layout.encoding_detected) == ("gbk", "gb18030")
    with pytest.raises(ConfigError, match="Unknown encoding 'klingon'"):
        layout_of(b"a,b\n1,2\n", encoding="klingon")
    with pytest.raises(IngestError) as info:
        layout_of(b"")
    assert info.value.problems == [Problem(None, None, None, "empty_file", "empty_file")]
    assert (info.value.problems[0].message, info.value.problems[0].text("zh")) == ("The file is empty.", "文件是空的。")


def test_bytes_over_the_limit_are_refused_before_writing():
    with pytest.raises(IngestError) as info, open_source(b"x" * 2_000_000, "big.csv", 1_048_576):
        pass
    assert info.value.problems[0].code == "too_large"
    assert info.value.problems[0].message.startswith("The file is 1.9 MB; the upload limit is 1 MB")


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (dt.datetime(2025, 3, 5), "2025-03-05"), (dt.datetime(2025, 3, 5, 8, 5), "2025-03-05 08:05:00"),
    (dt.date(2025, 3, 5), "2025-03-05"), (5.0, "5"), (1.25, "1.25"), (13800138000, "13800138000"), (True, "true"),
])
def test_excel_cells_as_text(value, text):
    assert cell_text(value) == text


def test_unique_headers_strip_bom_and_fill_blanks():
    assert unique_headers(["\ufeffid", " ", "id"]) == ["id", "(column 2)", "id (2)"]


@pytest.mark.parametrize(("kind", "header", "target", "reason"), [
    ("survey", "问卷编号", "respondent_id", "synonym"),
    ("survey", "访问时间", "interview_date", "synonym"),
    ("survey", "所属派出所", "jurisdiction", "synonym"),
    ("survey", "Precinct", "jurisdiction", "synonym"),
    ("survey", "是否知道报警求助方式", "knows_contact", "synonym"),
    ("survey", "您是否知道报警电话", "knows_contact", "contains"),
    ("survey", "总体满意度（五级）", "satisfaction", "synonym"),  # bracketed text is ignored
    ("survey", "您对派出所的总体满意度（五级）", "satisfaction", "contains"),
    # Issue 13.5: long English headers are matched by their words, not only as whole synonyms.
    ("survey", "Seen police patrol (last 3 months)", "seen_police", "tokens"),
    ("survey", "Knows how to contact police", "knows_contact", "tokens"),
    ("survey", "Knows the officer by name", "knows_officer", "tokens"),
    ("survey", "Interview date (dd/mm/yyyy)", "interview_date", "synonym"),
    ("survey", "Police District", "jurisdiction", "synonym"),
    ("survey", "District", "jurisdiction", "synonym"),
    ("survey", "辖区派出所（全称）", "jurisdiction", "synonym"),
    ("survey", "Comments (free text)", None, ""),
    ("survey", "Overall satisfaction", "satisfaction", "synonym"),
    ("survey", "权重", "weight", "synonym"),
    ("survey", "WEIGHT", "weight", "synonym"),
    ("survey", "satisfacton", "satisfaction", "similar"),
    ("survey", "备注", None, ""),
    ("cases", "Crime ID", "case_id", "synonym"),
    ("cases", "回访结果", "callback_result", "synonym"),
    ("cases", "Date reported to police", "reported_at", "tokens"),
    ("jurisdictions", "上级代码", "parent_code", "synonym"),
    ("jurisdictions", "级别", "level", "synonym"),
])
def test_header_guesses(kind, header, target, reason):
    got, _confidence, why = guess_target(header, _candidates(kind, ITEMS))
    assert (got, why) == (target, reason)


def test_value_maps_follow_the_design():
    knows_contact = item_value_map(ITEMS["knows_contact"])
    assert (knows_contact["知道"], knows_contact["不知道"], knows_contact["说不清"], knows_contact["dk"]) == (
        "1", "0", "9", "9")
    satisfaction = item_value_map(ITEMS["satisfaction"])
    assert [satisfaction[w] for w in ("非常满意", "比较满意", "满意", "一般", "不太满意", "不满意", "非常不满意",
                                      "5", "不知道", "拒答")] == ["5", "4", "4", "3", "2", "2", "1", "5", "9", "9"]
    three = item_value_map(ITEMS["satisfaction_3"])
    assert (three["满意"], three["基本满意"], three["不满意"]) == ("3", "2", "1")
    safety = item_value_map(ITEMS["safety"])
    assert (safety["非常安全"], safety["非常不安全"]) == ("5", "1")
    sex = item_value_map(ITEMS["sex"])
    assert (sex["m"], sex["female"], sex["男"]) == ("男", "女", "男")


def test_spec_shape_is_checked():
    with pytest.raises(ConfigError, match="Unknown mapping keys: colums"):
        check_spec({"colums": {}}, "survey")
    with pytest.raises(ConfigError, match="This mapping is for cases files, not survey files"):
        check_spec({"kind": "cases"}, "survey")
    assert check_spec({"columns": {"a": "b"}, "constants": {"mode": None}}, "survey")["columns"] == {"a": ["b"]}


@pytest.mark.parametrize(("header", "kind"), [
    ("手机号码", "phone"), ("报案人电话", "phone"), ("Mobile", "phone"), ("身份证号", "id_card"),
    ("ID card", "id_card"), ("姓名", "name"), ("受访者姓名", "name"), ("name", "name"), ("LSOA name", None),
    ("联系方式", None), ("派出所", None),
])
def test_personal_headers(header, kind):
    assert pii.header_kind(header) == kind


def test_secret_file_is_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv(pii.SECRET_ENV, raising=False)
    path = tmp_path / "sub" / ".jingmin_secret"
    key = pii.secret_key(path)
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pii.secret_key(path) == key
    monkeypatch.setenv(pii.SECRET_ENV, "from-the-environment")
    assert pii.secret_key(path) == b"from-the-environment"


def test_sql_helpers():
    assert statements("-- a $comment\nSELECT 1;\n\n-- only a comment;\nSELECT 'a;b';\n") == [
        "SELECT 1", "SELECT 'a;b'"]
    with pytest.raises(ValueError, match="not a safe SQL identifier"):
        ident("x'); DROP TABLE batches; --")


def test_report_lines_cap_each_code():
    problems = [Problem(i, "c", f"x{i}", "invalid_code", "invalid_code",
                        {"value": f"x{i}", "item": "c", "valid": "1, 2"}) for i in range(2, 10)]
    error = IngestError("Rejected f.csv: 8 problems found; nothing was loaded.", problems=problems,
                        counts={"invalid_code": 8})
    assert report_lines(error, first=2) == [
        "Rejected f.csv: 8 problems found; nothing was loaded.", "invalid_code: 8",
        "  row 2, column c: 'x2' is not yet mapped to an answer of c (codes: 1, 2); choose its code in the value map",
        "  row 3, column c: 'x3' is not yet mapped to an answer of c (codes: 1, 2); choose its code in the value map",
        "  ... and 6 more"]


def test_every_kind_documents_its_fields():
    assert F.targets_for("survey")[-1] == "person_hash"
    assert [f for f, spec in F.FIELDS["cases"].items() if spec.required] == ["case_id", "jurisdiction", "reported_at"]


def test_docs_list_every_field_synonym_and_problem():
    from pathlib import Path

    from analytics.i18n import catalog

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    for kind, fields in F.FIELDS.items():
        for name in fields:
            assert f"`{name}`" in doc, (kind, name)
        for target, synonyms in F.SYNONYMS[kind].items():
            for synonym in synonyms:
                assert synonym in doc, (kind, target, synonym)
    codes = {key.split(".")[-1] for key in catalog() if key.startswith("ingest.problem.")}
    for code in codes:
        assert f"`{code}`" in doc, code


@pytest.mark.parametrize(("data", "lines"), [
    (b"a,b\n1,2\n", 2), (b"a,b\r\n1,2", 2), (b'"a\nb",c\n', 2), (b"", 0), (b"x\n\n", 2),
    (b"a\rb\n", None), (b"a\r", None), (b"abc\r\ndef\r\n", 2), (b"ab\r\ncd\r\nef", 3), (b"abc\rxdef\n", None),
])
def test_plain_line_count(tmp_path, monkeypatch, data, lines):
    from analytics.ingest import reading

    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert reading.plain_line_count(path) == lines
    # Blocks of 4 bytes: CRLF pairs split across blocks still count as pairs (counted afresh, not remembered).
    monkeypatch.setattr(reading, "CHUNK_BYTES", 1)
    reading._LINE_COUNT_CACHE.clear()
    assert reading.plain_line_count(path) == lines


def test_plain_line_count_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    from analytics.ingest import reading

    path = tmp_path / "f.csv"
    path.write_bytes(b"a\nb\n")
    counted: list[str] = []
    original = reading._count_plain_lines
    monkeypatch.setattr(reading, "_count_plain_lines", lambda p: counted.append(str(p)) or original(p))
    assert [reading.plain_line_count(path), reading.plain_line_count(path)] == [2, 2]
    assert len(counted) == 1
    path.write_bytes(b"a\nb\nc\n")  # another size (and modification time): counted again
    assert reading.plain_line_count(path) == 3
    assert len(counted) == 2
