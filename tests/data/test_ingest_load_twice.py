"""Two survey loads on one connection: the connection sees both batches' answers, as a reopened store does.

Found while rebuilding the demo export: after two survey loads on one DuckDB connection, that connection's GROUP BY
and filters on ``answers`` left out the second batch (``count(*)`` still counted it; reopening the file showed it).
``sql/ingest/survey_load.sql`` wrote the answers with two INSERTs, the second adding no rows when the file has no
blank or skipped row; with DuckDB 2.0.0 that empty INSERT after the first, in one transaction, left the committed
table's statistics without the first one's values. Every later query on the connection (a full cell rebuild, the
demo export) then skipped those rows.
"""

from __future__ import annotations

from pathlib import Path

from analytics import store
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
BY_BATCH = "SELECT batch_id, count(*) FROM answers GROUP BY batch_id ORDER BY batch_id"


def test_a_second_load_is_seen_by_the_connection_that_made_it(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    path = tmp_path / "twice.duckdb"
    con = store.connect(path)
    try:
        ingest_file(con, "jurisdictions", DEMO / "jurisdictions.csv", user=LOCAL_USER)
        first = ingest_file(con, "survey", DEMO / "survey_phone_2024q4_2025q3_gbk.csv", user=LOCAL_USER)
        second = ingest_file(con, "survey", DEMO / "survey_sms_2024q4_2026q3.csv", user=LOCAL_USER)
        seen = con.execute(BY_BATCH).fetchall()
        total = con.execute("SELECT count(*) FROM answers").fetchone()[0]
        filtered = con.execute("SELECT count(*) FROM answers WHERE batch_id = $b",
                               {"b": second.batch_id}).fetchone()[0]
    finally:
        con.close()
    reopened = store.connect(path, read_only=True)
    try:
        stored = reopened.execute(BY_BATCH).fetchall()
    finally:
        reopened.close()
    assert [b for b, _n in stored] == [first.batch_id, second.batch_id]
    assert seen == stored
    assert sum(n for _b, n in seen) == total
    assert filtered == dict(stored)[second.batch_id] > 0
