"""Upload-pipeline pieces that run SQL in DuckDB: date parsing macros, PII hashing in SQL vs Python."""

import datetime as dt

import duckdb
import pytest

from analytics.db import execute
from analytics.definitions import DEFAULT_ITEMS
from analytics.ingest import pii

ITEMS = {i.item: i for i in DEFAULT_ITEMS}


@pytest.fixture(scope="module")
def macros():
    con = duckdb.connect()
    execute(con, "ingest/macros")
    yield con
    con.close()


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-05", dt.datetime(2025, 3, 5)), ("2025/3/5", dt.datetime(2025, 3, 5)),
    ("2025年3月5日", dt.datetime(2025, 3, 5)), ("2025.3.5", dt.datetime(2025, 3, 5)),
    ("05/03/2025", dt.datetime(2025, 3, 5)), ("45721", dt.datetime(2025, 3, 5)),
    ("45721.5", dt.datetime(2025, 3, 5, 12)), ("2025-03-05 14:30", dt.datetime(2025, 3, 5, 14, 30)),
    ("2025-03-05T14:30:09", dt.datetime(2025, 3, 5, 14, 30, 9)),
    ("2025年3月5日 14时30分", dt.datetime(2025, 3, 5, 14, 30)),
    ("2023-03", dt.datetime(2023, 3, 1)), ("20250305", dt.datetime(2025, 3, 5)),
    ("２０２５－０３－０５", dt.datetime(2025, 3, 5)), ("2025-02-30", None), ("2025-02-28 25:00", None),
    ("下周二", None),
])
def test_date_forms(macros, text, expected):
    assert macros.execute("SELECT jm_dt_parse(jm_dt_norm($s), true)", {"s": text}).fetchall()[0][0] == expected


def test_month_first_dates(macros):
    assert macros.execute("SELECT jm_dt_parse(jm_dt_norm('05/03/2025'), false)").fetchall()[0][0] == dt.datetime(
        2025, 5, 3)


@pytest.mark.parametrize(("value", "kind"), [
    ("13800138000", "phone"), ("+86 138-0013-8000", "phone"), ("138 0013 8000", "phone"),
    ("12800138000", None), ("1380013800", None),
    ("11010519491231002X", "id_card"), ("110105194912310021", None), ("11010519491331002X", None),
    ("P2024Q4-000001", None), ("", None),
    # at the length screens (jm_is_phone skips values under 11 bytes, jm_is_id under 18): 17 characters cannot
    # be an ID; padding only lengthens a value
    ("8613800138000", "phone"), (" 13800138000 ", "phone"),
    ("11010519491231002", None), (" 11010519491231002X ", "id_card"), ("1380013800 ", None),
    # full-width forms, folded by both (a Chinese keyboard's digits, plus sign, hyphen and space)
    ("１３８００１３８０００", "phone"), ("＋８６　１３８－００１３－８０００", "phone"), ("１３８００１３８００", None),
    ("１１０１０５１９４９１２３１００２Ｘ", "id_card"),
])
def test_personal_values_python_and_sql_agree(macros, value, kind):
    assert pii.value_kind(value) == kind
    phone, id_card = macros.execute("SELECT jm_is_phone($v), jm_is_id($v)", {"v": value}).fetchall()[0]
    assert (phone, id_card) == (kind == "phone", kind == "id_card")


def test_full_width_numbers_pass_the_length_screen(macros):
    # 11 full-width digits are 11 characters in 33 bytes: folded to 13800138000, a phone (the SQL folds full-width
    # forms, as pii.value_kind does). 10 full-width digits are 30 bytes, past the
    # screen, and still not a phone.
    got = macros.execute("SELECT jm_is_phone('１３８００１３８０００'), jm_is_phone('１３８００１３８００'), "
                         "jm_is_phone(NULL), jm_is_id(NULL)").fetchall()[0]
    assert got == (True, False, False, False)


def test_person_hash_is_keyed_and_normalised(macros):
    same = macros.execute("SELECT jm_person_text('+86 138-0013-8000') = jm_person_text('13800138000')").fetchall()
    assert same == [(True,)]
    assert pii.keyed_hash("phone:13800138000", b"k1") != pii.keyed_hash("phone:13800138000", b"k2")


@pytest.mark.parametrize("key", [b"k1", b"test-secret-0123456789abcdef", b"x" * 64, bytes(range(200))])
def test_hmac_in_duckdb_equals_python_hmac(key):
    # Keys shorter than, equal to and longer than the 64-byte block (a longer key is hashed first).
    values = ["phone:13800138000", "id:11010519491231002X", "text:张三 李四", "", None]
    con = duckdb.connect()
    sql = "SELECT " + pii.HASH_SQL.replace("TEXT", "CAST($v AS VARCHAR)")
    got = [con.execute(sql, {"v": v, **pii.hmac_pads(key)}).fetchall()[0][0] for v in values]
    assert got == [None if v is None else pii.keyed_hash(v, key) for v in values]


@pytest.mark.parametrize("dayfirst", [True, False, None])
def test_iso_date_shortcut_parses_as_the_general_path(macros, dayfirst):
    from analytics.ingest.typed import _DATE_TEXT

    texts = ["2025-03-05", "2025-03-05 14:30", "2025-03-05 14:30:59", "2025-02-30", "2025-02-30 10:00",
             "2025-03-05 24:00", "2025-03-05 14:61", "2025-13-01", "0000-01-01", "2025-03-05T14:30", "2025-3-5",
             "05/03/2025", "2025年3月5日", "2025-03-05 14:30:00.5", " 2025-03-05", "20250305", None]
    shortcut = "SELECT " + _DATE_TEXT.replace(", NULL", "") + " FROM (SELECT CAST($t AS VARCHAR) AS cell_text) d"
    for text in texts:
        general = macros.execute("SELECT jm_dt_parse(jm_dt_norm(CAST($t AS VARCHAR)), $dayfirst)",
                                 {"t": text, "dayfirst": dayfirst}).fetchall()
        assert macros.execute(shortcut, {"t": text, "dayfirst": dayfirst}).fetchall() == general, text
