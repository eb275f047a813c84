"""Issue 21, the checks side: wide files, long cells, absurd weights and mixed encodings.

The wide-file runs happen in a child process under a hard address-space ceiling (see
tests/data/ingest_limits_worker.py), so that a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, propose_mapping
from analytics.ingest.reading import mixed_encoding_lines
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

REPO = Path(__file__).resolve().parents[2]
secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db
snapshot = base.snapshot


def run_worker(rows: int, cols: int, cell: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.data.ingest_limits_worker", "run", str(rows), str(cols),
                           str(cell)], capture_output=True, text=True, cwd=REPO, timeout=300, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_wide_csv_at_the_column_limit_loads_within_60s_and_1_5gb():
    # The finding: 1,000 columns x 200 rows (about 414 KB) took 4.3 GB and 26 s in the PII scan.
    out = run_worker(200, store.DEFAULT_SETTINGS["upload_max_columns"][0], 1)
    assert out["outcome"] == "loaded", out
    assert out["seconds"] < 60 and out["peak_mb"] < 1500, out


def test_a_csv_wider_than_the_limit_is_refused_before_it_is_read():
    out = run_worker(200, 5000, 1)
    assert out["outcome"] == "rejected" and out["codes"] == ["too_many_columns"], out
    assert "5000 columns" in out["messages"][0] and "upload_max_columns" in out["messages"][0]
    assert out["seconds"] < 60 and out["peak_mb"] < 1500, out


def wide_bytes(cols: int) -> bytes:
    header = ",".join(["问卷编号", "调查日期", "派出所", "满意度"] + [f"q{i}" for i in range(cols - 4)])
    return (header + "\n" + ",".join(["r1", "2025-03-05", "S01", "满意"] + ["1"] * (cols - 4)) + "\n").encode()


def test_column_limit_is_a_setting_and_is_checked_by_the_proposal_too(reg_db):
    reg_db.execute("INSERT OR REPLACE INTO settings VALUES ('upload_max_columns', '10')")
    before = snapshot(reg_db)
    for call in (lambda: propose_mapping(reg_db, "survey", wide_bytes(11), source_name="wide.csv"),
                 lambda: ingest_file(reg_db, "survey", wide_bytes(11), source_name="wide.csv",
                                     constants={"mode": "phone"}, user=LOCAL_USER)):
        with pytest.raises(IngestError) as info:
            call()
        (problem,) = info.value.problems
        assert problem.code == "too_many_columns"
        assert problem.text("en") == ("The file has 11 columns; at most 10 are accepted (setting upload_max_columns). "
                                      "Remove the columns you do not need, or split the file.")
        assert problem.text("zh").startswith("文件有 11 列，最多允许 10 列")
    assert snapshot(reg_db) == before
    assert ingest_file(reg_db, "survey", wide_bytes(10), source_name="ok.csv", constants={"mode": "phone"}, user=LOCAL_USER).rows == 1


def test_a_header_line_longer_than_the_sample_is_refused_with_a_clear_reason(reg_db):
    header = ",".join(f"column_{i:07d}" for i in range(30_000))  # about 450 KB on one line
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", (header + "\n1\n").encode(), source_name="huge_header.csv", user=LOCAL_USER)
    (problem,) = info.value.problems
    assert problem.code == "too_many_columns"
    assert "256 KB" in problem.text("en")


def test_a_cell_longer_than_the_limit_is_an_error_with_row_and_column(reg_db):
    reg_db.execute("INSERT OR REPLACE INTO settings VALUES ('upload_max_cell_chars', '100')")
    rows = ["问卷编号,调查日期,派出所,满意度,备注,其他",
            "r1,2025-03-05,S01,满意,ok,x",
            "r2,2025-03-05,S01,满意," + "长" * 101 + ",x",   # ignored columns count too
            "r3,2025-03-05,S01,满意,ok," + "y" * 500]
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", ("\n".join(rows) + "\n").encode(), source_name="long.csv",
                    constants={"mode": "phone"}, user=LOCAL_USER)
    found = [(p.row, p.column, p.code, p.text("en")) for p in info.value.problems]
    assert found == [
        (3, "备注", "cell_too_long", "a cell of 101 characters; at most 100 are accepted (setting "
                                     "upload_max_cell_chars)"),
        (4, "其他", "cell_too_long", "a cell of 500 characters; at most 100 are accepted (setting "
                                     "upload_max_cell_chars)"),
    ]
    assert snapshot(reg_db) == before


def weighted_survey(weights: list[str], prefix: str = "r") -> bytes:
    rows = ["问卷编号,调查日期,派出所,满意度,权重"]
    rows += [f"{prefix}{i},2025-03-05,S0{1 + i % 5},满意,{w}" for i, w in enumerate(weights)]
    return ("\n".join(rows) + "\n").encode()


def test_an_absurd_weight_is_an_error_with_row_column_and_value(reg_db):
    # The finding: one weight of 1e308 loaded and made the weighted city figures suppressed.
    weights = ["1.2", "0.8", "1e308", "1", "1.1", "0.9", "1e-9"]
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", weighted_survey(weights), source_name="w.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    found = [(p.row, p.column, p.value, p.code, p.text("en")) for p in info.value.problems]
    assert found == [
        (4, "权重", "1e308", "bad_weight", "weight 1e308 is more than 100 times the median weight 1; the largest "
         "and smallest weight may differ at most 10000-fold (setting weight_max_ratio)"),
        (8, "权重", "1e-9", "bad_weight", "weight 1e-9 is less than 1/100 of the median weight 1; the largest "
         "and smallest weight may differ at most 10000-fold (setting weight_max_ratio)"),
    ]
    assert info.value.problems[0].text("zh").startswith("权重 1e308 超过权重中位数 1 的 100 倍")
    assert snapshot(reg_db) == before


@pytest.mark.parametrize(("value", "key"), [("inf", "not_finite"), ("NaN", "not_finite"), ("1e999", "not_finite"),
                                            ("-infinity", "not_finite"), ("0", "not_positive"),
                                            ("-2", "not_positive")])
def test_a_non_finite_or_non_positive_weight_is_an_error(reg_db, value, key):
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", weighted_survey(["1", value, "1"]), source_name="w.csv",
                    constants={"mode": "phone"}, user=LOCAL_USER)
    assert [(p.row, p.column, p.value, p.code, p.key) for p in info.value.problems] == [
        (3, "权重", value, "bad_number", key)]


def test_weights_within_the_ratio_load_and_the_ratio_is_a_setting(reg_db):
    weights = ["0.05", "1", "400", "2", "1"]  # 8000-fold: within the default 10,000
    assert ingest_file(reg_db, "survey", weighted_survey(weights), source_name="w.csv",
                       constants={"mode": "phone"}, user=LOCAL_USER).rows == 5
    reg_db.execute("INSERT OR REPLACE INTO settings VALUES ('weight_max_ratio', '100')")
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", weighted_survey(weights, "b"), source_name="w2.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    # sqrt(100) = 10 times the median (1) either way: 0.05 and 400 are out, 2 is in
    assert [(p.row, p.value) for p in info.value.problems] == [(2, "0.05"), (4, "400")]


GBK_DEMO = REPO / "data" / "demo" / "survey_phone_2024q4_2025q3_gbk.csv"


def survey_lines(n: int, start: int = 0) -> list[str]:
    stations = ["S01", "S02", "S03"]
    answers = ["非常满意", "满意", "一般", "不满意"]
    notes = ["民警态度很好", "希望加强夜间巡逻", "", "处理及时，谢谢", "录"]  # 录 in GBK is C2 BC: valid UTF-8 too
    return [f"m{start + i},2025-03-05,{stations[i % 3]},{answers[i % 4]},{notes[i % 5]}" for i in range(n)]


HEADER = "问卷编号,调查日期,派出所,满意度,备注"


def test_a_file_mixing_gbk_and_utf8_lines_is_rejected_with_the_lines_that_differ(reg_db):
    # The finding: GBK lines with UTF-8 free text among them stored mojibake and the load exited 0.
    gbk = [line.encode("gbk") for line in [HEADER, *survey_lines(40)]]
    utf8 = [line.encode("utf-8") for line in survey_lines(3, start=100)]
    data = b"\n".join(gbk[:11] + utf8[:2] + gbk[11:30] + utf8[2:] + gbk[30:]) + b"\n"
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", data, source_name="mixed.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    found = [(p.row, p.code) for p in info.value.problems]
    assert found == [(12, "mixed_encoding"), (13, "mixed_encoding"), (33, "mixed_encoding")]
    assert info.value.problems[0].text("en") == (
        "this line is UTF-8, while 41 other lines (the first is line 1) are GB18030 (GBK); save the whole file "
        "in one encoding (for example CSV UTF-8) and load it again")
    assert info.value.problems[0].text("zh").startswith("该行是 UTF-8 编码，而另外 41 行（第一行为第 1 行）是 GB18030")
    assert snapshot(reg_db) == before


def test_pure_gbk_files_are_not_taken_for_mixed(reg_db, tmp_path):
    # A GBK line can happen to be valid UTF-8 ('录' is C2 BC in GBK): lines like that are not UTF-8 lines.
    accidental = ["录", "芦", "庐", "卤"]  # each line's only non-ASCII text, so the whole line is valid UTF-8
    assert all(w.encode("gbk").decode("utf-8") for w in accidental)
    lines = [HEADER, *survey_lines(30)] + [f"g{i},2025-03-05,S01,4,{word}" for i, word in enumerate(accidental)]
    result = ingest_file(reg_db, "survey", ("\n".join(lines) + "\n").encode("gbk"), source_name="gbk.csv",
                         constants={"mode": "phone"}, user=LOCAL_USER)
    assert result.rows == 34 and result.summary["encoding"] == "GB18030 (GBK)"
    notes = reg_db.execute("SELECT count(*) FROM respondents WHERE batch_id = $b", {"b": result.batch_id}).fetchall()
    assert notes == [(34,)]


def test_the_shipped_gbk_survey_and_a_utf8_file_pass_the_encoding_check(reg_db):
    found = mixed_encoding_lines(GBK_DEMO)
    assert (found.utf8_lines, found.gb_lines, found.first_gb_line) == ([], 10582, 1)
    utf8 = ("\n".join([HEADER, *survey_lines(50)]) + "\n").encode("utf-8")
    assert ingest_file(reg_db, "survey", utf8, source_name="u.csv", constants={"mode": "phone"}, user=LOCAL_USER).rows == 50


def test_utf8_lines_that_also_decode_as_gbk_are_found_too(reg_db):
    # These UTF-8 bytes happen to be valid GB18030 too, so reading the file as GBK raised no error and stored
    # nonsense ('婊℃剰' for 满意): the case where the load used to succeed.
    odd = "m100,2025-03-05,S01,满意,民警态度很好".encode()
    assert odd.decode("gb18030") != odd.decode("utf-8")
    gbk = [line.encode("gbk") for line in [HEADER, *survey_lines(10)]]
    data = b"\n".join(gbk[:5] + [odd] + gbk[5:]) + b"\n"
    for encoding in (None, "gb18030"):
        with pytest.raises(IngestError) as info:
            ingest_file(reg_db, "survey", data, source_name="mixed2.csv", encoding=encoding,
                        constants={"mode": "phone"}, user=LOCAL_USER)
        assert [(p.row, p.code) for p in info.value.problems] == [(6, "mixed_encoding")]


def test_a_large_file_loads_on_one_thread_and_the_setting_comes_back(reg_db, monkeypatch):
    """A file that load_threads holds to one thread loads with DuckDB on one thread (each thread's hash tables
    cost memory: issue 21's 1.5 GB bound at the upload limit); the connection's thread count is restored
    afterwards, also when the file is rejected."""
    from analytics.ingest import checks, pipeline

    seen: list[int] = []
    original = checks._generic_checks

    def spy(con, *args, **kwargs):
        seen.append(int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]))
        return original(con, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_generic_checks", spy)
    before = int(reg_db.execute("SELECT current_setting('threads')").fetchall()[0][0])
    assert before > 1  # the machine's cores: otherwise the test shows nothing
    ingest_file(reg_db, "survey", base.FIXTURES / "survey_bom_semicolon.csv", user=LOCAL_USER)
    # every file counts as an upload of many rows
    monkeypatch.setattr(pipeline, "SINGLE_THREAD_BYTES", 0)
    monkeypatch.setattr(pipeline, "TWO_THREAD_MAX_ROWS", 0)
    with pytest.raises(IngestError):
        ingest_file(reg_db, "survey", base.FIXTURES / "bad_values.csv", user=LOCAL_USER)
    assert seen == [before, 1]
    assert int(reg_db.execute("SELECT current_setting('threads')").fetchall()[0][0]) == before


def _source(path: Path, size: int):
    from analytics.ingest.reading import SourceFile

    return SourceFile(path=path, name=path.name, size=size, sha256="", temp_dir=path.parent)


def _layout(fmt: str = "csv", encoding: str | None = "utf-8"):
    from analytics.ingest.reading import Layout

    return Layout(format=fmt, encoding=encoding, encoding_detected=encoding, delimiter=",", header_row=1,
                  headers=["a", "b"])


def test_load_threads_keeps_one_thread_only_for_uploads_of_many_rows(tmp_path, monkeypatch):
    """The rule (analytics.ingest.pipeline.load_threads, docs/ingest.md): one thread for a file above
    SINGLE_THREAD_BYTES and within UPLOAD_BOUND_BYTES with more than TWO_THREAD_MAX_ROWS lines, or whose lines
    cannot be counted from its bytes; the setting is kept (None) for a small file, for a file of few (wide)
    rows, and for a file above the upload bound (a bulk load, bounded by DuckDB's memory_limit)."""
    from analytics.ingest import pipeline

    monkeypatch.setattr(pipeline, "TWO_THREAD_MAX_ROWS", 10)
    mb = 1_048_576
    short = tmp_path / "short.csv"
    short.write_bytes(b"a,b\n" + b"1,2\n" * 10)   # 11 lines: the header and 10 rows
    many = tmp_path / "many.csv"
    many.write_bytes(b"a,b\n" + b"1,2\n" * 11)    # 12 lines
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(b"a,b\r1,2\n")
    rule = pipeline.load_threads
    assert rule(_source(many, 64 * mb), _layout()) is None             # not above SINGLE_THREAD_BYTES
    assert rule(_source(many, 64 * mb + 1), _layout()) == 1
    assert rule(_source(many, 200 * mb), _layout()) == 1               # at the upload bound, included
    assert rule(_source(many, 200 * mb + 1), _layout()) is None        # beyond it: memory_limit bounds it
    assert rule(_source(short, 100 * mb), _layout()) is None           # few rows: two threads fit
    assert rule(_source(lone_cr, 100 * mb), _layout()) == 1            # lines not countable
    assert rule(_source(short, 100 * mb), _layout(encoding="utf-16-le")) == 1
    assert rule(_source(short, 100 * mb), _layout(fmt="xlsx", encoding=None)) == 1


def _phone_survey(phones: list[str]) -> bytes:
    lines = ["问卷编号,调查日期,派出所,总体满意度,联系电话"]
    lines += [f"p{i},2025-03-05,S0{i % 3 + 1},满意,{phone}" for i, phone in enumerate(phones)]
    return ("\n".join(lines) + "\n").encode()


def test_typed_rows_hold_only_what_the_file_gives_and_the_view_shows_every_field(reg_db, monkeypatch):
    """Issue 21: DuckDB keeps TEMP tables uncompressed, so ingest_typed is a view over the columns a file gives
    (ingest_typed_rows), its whole-file values (ingest_typed_constants, one row) and typed NULLs for the rest;
    the person hash is stored as its 32 bytes and shown as the hex that is loaded."""
    from analytics import vocabulary as F
    from analytics.ingest import pii, pipeline

    seen: dict[str, object] = {}
    original = pipeline._generic_checks

    def spy(con, *args, **kwargs):
        def columns(table: str) -> list[tuple[str, str]]:
            return [(r[0], r[1]) for r in con.execute("DESCRIBE " + table).fetchall()]
        seen["rows"] = [c for c, _t in columns("ingest_typed_rows")]
        seen["constants"] = con.execute("SELECT * FROM ingest_typed_constants").fetchall()
        seen["view"] = columns("ingest_typed")
        seen["typed"] = con.execute("SELECT * FROM ingest_typed ORDER BY _row").fetchall()
        return original(con, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_generic_checks", spy)
    phones = ["13800138000", "", "139 0013 9000"]
    result = ingest_file(reg_db, "survey", _phone_survey(phones), source_name="typed.csv",
                         constants={"mode": "phone"}, user=LOCAL_USER)
    assert result.rows == 3
    assert seen["rows"] == ["_row", "respondent_id", "interview_date", "jurisdiction", "person_hash_bytes"]
    assert seen["constants"] == [(1, "phone")]
    fields = list(F.FIELDS["survey"])
    assert [c for c, _t in seen["view"]] == ["_row", *fields, "person_hash", "person_hash_bytes"]
    types = dict(seen["view"])
    assert (types["weight"], types["duration_min"], types["interview_start"], types["interview_end"],
            types["interview_date"], types["stratum"], types["wave"], types["person_hash_bytes"]) == (
        "DOUBLE", "DOUBLE", "TIMESTAMP", "TIMESTAMP", "DATE", "VARCHAR", "VARCHAR", "BLOB")
    # Hand derivation: the keyed hash is HMAC-SHA256 of 'phone:' + the digits (analytics/sql/ingest/macros.sql
    # jm_person_text), computed here by Python's hmac, not by DuckDB.
    key = pii.secret_key()
    expected = [pii.keyed_hash("phone:13800138000", key), None, pii.keyed_hash("phone:13900139000", key)]
    by_name = [dict(zip([c for c, _t in seen["view"]], row, strict=True)) for row in seen["typed"]]
    assert [r["person_hash"] for r in by_name] == expected
    assert [r["person_hash_bytes"] for r in by_name] == [bytes.fromhex(h) if h else None for h in expected]
    assert [r["mode"] for r in by_name] == ["phone"] * 3
    absent = [n for n in fields if n not in ("respondent_id", "interview_date", "jurisdiction", "mode")]
    assert all(r[n] is None for r in by_name for n in absent)
    loaded = reg_db.execute("SELECT person_hash, survey_mode FROM respondents WHERE batch_id = ? "
                            "ORDER BY respondent_id", [result.batch_id]).fetchall()
    assert loaded == [(h, "phone") for h in expected]


def test_repeats_within_a_file_are_counted_exactly(reg_db):
    # 500 rows whose phones are drawn from 120 numbers, one in six left blank: the repeats are the rows with a
    # phone less the distinct phones, counted here in Python on the numbers themselves.
    import random

    draw = random.Random(21)
    pool = [str(13_800_000_000 + draw.randrange(10**8)) for _ in range(120)]
    phones = ["" if draw.random() < 1 / 6 else draw.choice(pool) for _ in range(500)]
    expected = sum(1 for p in phones if p) - len({p for p in phones if p})
    assert 300 < expected < 420  # the draw gives repeats, blanks and singles
    result = ingest_file(reg_db, "survey", _phone_survey(phones), source_name="repeats.csv",
                         constants={"mode": "phone"}, user=LOCAL_USER)
    assert (f"The same person (by keyed hash) answered more than once: {expected} repeat(s) within the file, "
            "0 already loaded.") in result.warnings


def test_keep_last_keeps_each_cases_last_row_with_its_reporter(reg_db):
    # ingest_typed is a view: the mapping option duplicates = keep_last rebuilds the rows it reads
    # (ingest_typed_rows) without the superseded ones. K01 is given twice; its second row (row 4) stays.
    from analytics.ingest import pii

    data = ("案件编号,所属派出所,案件类别,报案时间,案件状态,报案人电话\n"
            "K01,S01,盗窃,2025-03-05 08:00,处理中,13800138000\n"
            "K02,S02,纠纷,2025-03-05 09:00,已结案,\n"
            "K01,S01,盗窃,2025-03-05 08:00,已结案,13900139000\n").encode()
    result = ingest_file(reg_db, "cases", data, source_name="keep_last.csv", user=LOCAL_USER,
                         mapping={"options": {"duplicates": "keep_last"}})
    assert (result.rows, result.summary["superseded_in_file"]) == (2, 1)
    rows = reg_db.execute("SELECT case_id, status, reporter_hash FROM cases WHERE batch_id = ? ORDER BY case_id",
                          [result.batch_id]).fetchall()
    assert rows == [("K01", "closed", pii.keyed_hash("phone:13900139000", pii.secret_key())), ("K02", "closed", None)]
