"""Fuzzing the upload pipeline with hypothesis (fixed seed, bounded examples).

Property: for any bytes and any CSV shape (delimiters, quoting, deep quoting, huge fields, encodings,
random and Chinese headers), ``ingest_file`` either loads the file or raises a ``JingminError``
subclass — never another exception — and a rejected file leaves every table exactly as it was
(row counts and a hash of every row's contents).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import store
from analytics.errors import ConfigError, IngestError, JingminError
from analytics import vocabulary as F
from analytics.ingest import ingest_file
from tests.data.test_ingest_fixtures import FIXTURES
from analytics.roles import LOCAL_USER

FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def fingerprint(con) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of the contents of every data table, plus the data version."""
    out: dict[str, tuple[int, int]] = {}
    # every table, so a data kind added later is covered without editing this list
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]
    for table in tables:
        # table names come from the catalogue, never from input
        count, digest = con.execute("SELECT count(*), coalesce(sum(hash(CAST(t AS VARCHAR))::HUGEINT), 0) FROM "
                                    + table + " t").fetchall()[0]
        out[table] = (int(count), int(digest))
    out["data_version"] = (store.data_version(con), 0)
    return out


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory):
    """One database for every example: the fixture registry plus one survey and one case batch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JINGMIN_SECRET", "fuzz-secret-0123456789abcdef")
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb"
        con = store.connect(path)
        ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
        ingest_file(con, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER)
        ingest_file(con, "cases", FIXTURES / "cases_export.csv", user=LOCAL_USER)
        yield con
        con.close()


def check(con, kind: str, data: bytes, name: str = "fuzz.csv", **kwargs) -> None:
    """The property: load, or a JingminError with the database unchanged."""
    before = fingerprint(con)
    try:
        ingest_file(con, kind, data, source_name=name, **kwargs, user=LOCAL_USER)
    except JingminError:
        assert fingerprint(con) == before
    # anything else propagates and fails the test


# ------------------------------------------------------------------------------------------ strategies

INJECTION = ("x'); DROP TABLE batches; --", "\"; DELETE FROM respondents; --", "$1", "$batch_id", "?", "@F",
             "{}", "%s", "\\", "'", "\"\"", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "+1", "-1",
             "@SUM(A1)")
HEADER_POOL = sorted({h for kind in F.SYNONYMS.values() for names in kind.values() for h in names}
                     | {h for names in F.PII_HEADERS.values() for h in names}
                     | {"", " ", "c0", "_row", "_ord", "_blank", "ignore", "person_hash", "列1", "Unnamed: 0",
                        "问卷编号 ", "（派出所）", "ＩＤ", *INJECTION})
VALUE_POOL = ("", " ", "1", "0", "9", "2", "5", "-1", "1e309", "NaN", "inf", "0.5", "1,234", "是", "否", "说不清",
              "满意", "非常满意", "不满意", "一般", "S01", "S02", "S03", "C01", "D01", "东湖路派出所", "江北路派出所",
              "Donghu Road Police Station", "2025-03-05", "2025/3/5", "2025年3月5日", "05/03/2025", "2025-02-30",
              "1899-01-01", "2999-01-01", "2025-03-05 08:00", "2025-03", "45000", "13800138000", "110101199003078515",
              "phone", "face_to_face", "theft", "盗窃", "已结案", "破案", "city", "district", "station",
              "\u0000", "\ufeff", "\r", "\n", "\u2028", "\x1a", "😀", "𠀀", *INJECTION)
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1", "shift_jis")

text_cell = st.one_of(
    st.sampled_from(VALUE_POOL),
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from("\"',;|\t\r\n =+-@"), max_size=8),
)


@st.composite
def cells(draw, pool):
    """One cell: from a pool or random text, sometimes huge, sometimes deeply quoted."""
    value = draw(pool)
    shape = draw(st.sampled_from(("plain", "plain", "plain", "huge", "deep")))
    if shape == "huge":
        value = value * draw(st.integers(1, 3)) + "x" * draw(st.sampled_from((1_000, 70_000, 200_000)))
    elif shape == "deep":
        depth = draw(st.integers(1, 12))
        value = "\"" * depth + value + "\"" * draw(st.integers(0, depth + 1))
    return value


def quote(value: str, delimiter: str, style: str) -> str:
    if style == "all" or (style == "minimal" and any(c in value for c in (delimiter, "\"", "\n", "\r"))):
        return "\"" + value.replace("\"", "\"\"") + "\""
    return value  # style "none": raw, quotes and delimiters unbalanced on purpose


# Files that load as they are; the fuzzer mutates some of their cells so both outcomes are exercised.
VALID = {
    "survey": (["问卷编号", "调查日期", "派出所", "满意度", "安全感", "调查方式"],
               lambda i: [f"Z{i}", "2025-03-05", "S01", "满意", "非常安全", "phone"]),
    "cases": (["案件编号", "所属派出所", "案件类别", "报案时间", "回访结果"],
              lambda i: [f"FZ{i}", "S02", "盗窃", "2025-03-05 08:00", "满意"]),
    "jurisdictions": (["code", "name_zh", "name_en", "parent_code", "level"],
                      lambda i: [f"F{i}", f"新派出所{i}", f"New Station {i}", "D01", "station"]),
    "internal": (["派出所", "考核期", "考核项目", "警号", "分子", "分母"],
                 lambda i: ["S01", "2025-03", "clue_detection", f"P{i}", "3", "4"]),
    "disputes": (["纠纷编号", "所属派出所", "发现日期", "纠纷类型", "调处结果"],
                 lambda i: [f"JZ{i}", "S01", "2025-03-05", "邻里纠纷", "调解成功"]),
    "hazards": (["隐患编号", "所属派出所", "发现日期", "场所类别", "隐患等级", "整改期限"],
                lambda i: [f"HZ{i}", "S01", "2025-03-05", "消防", "一般隐患", "2025-03-20"]),
    "demands": (["诉求编号", "渠道", "受理时间", "承办单位", "诉求内容", "办理状态"],
                lambda i: [f"QZ{i}", "12345热线", "2025-03-05 09:00", "S01", "希望多巡逻", "待办"]),
    "comments": (["意见编号", "来源", "所属派出所", "日期", "意见建议"],
                 lambda i: [f"KZ{i}", "调查问卷", "S01", "2025-03-05", "社区民警很负责"]),
}


@st.composite
def csv_files(draw, kind: str):
    """A CSV file of random shape: header row from synonyms/junk, ragged rows, any delimiter and encoding."""
    synonyms = [h for names in F.SYNONYMS[kind].values() for h in names]
    header_cell = st.one_of(st.sampled_from(synonyms), st.sampled_from(HEADER_POOL), st.text(max_size=10))
    if draw(st.booleans()):  # a loadable file with a few mutated cells
        headers, make_row = VALID[kind]
        headers = list(headers)
        serial = draw(st.integers(0, 10**9))
        rows = [make_row(f"{serial}_{i}") for i in range(draw(st.integers(1, 5)))]
        for _ in range(draw(st.integers(0, 3))):
            target = draw(st.integers(0, len(rows)))  # 0 = the header row
            line = headers if target == 0 else rows[target - 1]
            line[draw(st.integers(0, len(line) - 1))] = draw(cells(header_cell if target == 0 else text_cell))
        ncols = len(headers)
    else:
        ncols = draw(st.integers(1, 9))
        headers = [draw(cells(header_cell)) if draw(st.integers(0, 9)) == 0 else draw(header_cell)
                   for _ in range(ncols)]
        rows = []
        for _ in range(draw(st.integers(0, 6))):
            width = ncols + draw(st.sampled_from((0, 0, 0, -1, 1, 3)))
            rows.append([draw(cells(text_cell)) for _ in range(max(width, 0))])
    delimiter = draw(st.sampled_from(DELIMITERS))
    style = draw(st.sampled_from(("minimal", "minimal", "all", "none")))
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    title = draw(st.sampled_from(("", "", "", "2025年第一季度群众满意度调查" + newline, delimiter * 3 + newline)))
    lines = [delimiter.join(quote(c, delimiter, style) for c in row) for row in [headers, *rows]]
    text = title + newline.join(lines) + draw(st.sampled_from(("", newline, newline * 3)))
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")


# ------------------------------------------------------------------------------------------ properties


@settings(FUZZ, max_examples=60)
@given(data=st.binary(max_size=3000), kind=st.sampled_from(F.KINDS))
def test_random_bytes_load_or_reject_cleanly(fuzz_db, data, kind):
    check(fuzz_db, kind, data, name="random.csv")


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_random_csv_shapes_survey(fuzz_db, data):
    check(fuzz_db, "survey", data.draw(csv_files("survey")),
          constants=data.draw(st.sampled_from(({}, {}, {"mode": "phone"}, {"jurisdiction": "S01"}))),
          create_jurisdictions=data.draw(st.booleans()))


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_random_csv_shapes_cases(fuzz_db, data):
    check(fuzz_db, "cases", data.draw(csv_files("cases")), create_jurisdictions=data.draw(st.booleans()))


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_random_csv_shapes_jurisdictions(fuzz_db, data):
    check(fuzz_db, "jurisdictions", data.draw(csv_files("jurisdictions")))


@pytest.mark.parametrize("kind", [k for k in F.KINDS if k not in ("survey", "cases", "jurisdictions")])
@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_random_csv_shapes_other_kinds(fuzz_db, kind, data):
    check(fuzz_db, kind, data.draw(csv_files(kind)))


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_random_options_and_encodings(fuzz_db, data):
    """User-chosen overrides (encoding, delimiter, header row) on a random file are checked too."""
    kind = data.draw(st.sampled_from(F.KINDS))
    options = {
        "encoding": data.draw(st.sampled_from((None, "utf-8", "gb18030", "utf-16", "latin-1", "nonsense-enc"))),
        "delimiter": data.draw(st.sampled_from((None, ",", ";", "\t", "|", "ab", "\"", "\n"))),
        "header_row": data.draw(st.sampled_from((None, 1, 2, 50))),
    }
    check(fuzz_db, kind, data.draw(csv_files(kind)), **options)


def test_every_kind_has_a_loadable_file():
    """Each data kind has a file that loads as it is, so the fuzzer exercises loading as well as rejecting."""
    assert set(VALID) == set(F.KINDS)


def test_fuzz_loaded_some_files_and_the_database_is_consistent(fuzz_db):
    """The fuzzing above loaded files as well as rejecting them, and the cells still match a rebuild."""
    from analytics import engine

    kinds = {r[0] for r in fuzz_db.execute("SELECT kind FROM batches WHERE batch_id > 3").fetchall()}
    assert kinds == set(F.KINDS), kinds
    before = fuzz_db.execute("SELECT count(*), sum(n), sum(sum_y) FROM indicator_cells").fetchall()
    engine.refresh_cells(fuzz_db)
    assert fuzz_db.execute("SELECT count(*), sum(n), sum(sum_y) FROM indicator_cells").fetchall() == before


# ------------------------------------------------------------------------------------------ regressions
# Inputs the fuzzer found that raised something other than a JingminError.


@pytest.mark.parametrize("delimiter", ["\"", "\n", "\r", "ab"])
def test_unusable_delimiter_is_a_config_error(fuzz_db, delimiter):
    """A delimiter equal to the quote made DuckDB raise a BinderException; now it is refused up front."""
    with pytest.raises(ConfigError, match="delimiter"):
        check_raises(fuzz_db, "jurisdictions", b"code\nC9\n", delimiter=delimiter)


def test_lone_cr_before_a_chinese_character_in_a_crlf_file_loads(fuzz_db):
    """DuckDB's line scan failed (invalid unicode) on a quoted value "a\\r张" in a CRLF file, which the row reader
    reads fine; the file now loads, with rows numbered by record."""
    data = ("respondent_id,interview_date,jurisdiction,satisfaction,stratum\r\n"
            "CR1,2025-03-05,S01,5,\"a\r张\"\r\nCR2,2025-03-05,S01,4,b\r\n").encode("utf-8")
    result = ingest_file(fuzz_db, "survey", data, source_name="crlf.csv", user=LOCAL_USER)
    assert result.rows == 2
    assert fuzz_db.execute("SELECT stratum FROM respondents WHERE batch_id = $b ORDER BY respondent_id",
                           {"b": result.batch_id}).fetchall() == [("a\r张",), ("b",)]


def check_raises(con, kind: str, data: bytes, **kwargs) -> None:
    """Ingest that must fail: re-raise its JingminError after checking the database is unchanged."""
    before = fingerprint(con)
    try:
        ingest_file(con, kind, data, source_name="regression.csv", **kwargs, user=LOCAL_USER)
    finally:
        assert fingerprint(con) == before


def test_utf16_chosen_for_a_file_without_bom_is_a_bad_encoding(fuzz_db):
    """Choosing utf-16 for a file without a byte-order mark raised a plain UnicodeError from Python's codec."""
    data = "\ufeffcode,name_zh,level\nF1,新派出所,station\n".encode("utf-8")
    with pytest.raises(IngestError) as info:
        check_raises(fuzz_db, "jurisdictions", data, encoding="utf-16")
    assert [p.code for p in info.value.problems] == ["bad_encoding"]
