"""store.transaction: all or nothing."""

import pytest

from analytics import store


def test_transaction_commits_a_finished_block_and_rolls_back_a_failed_one(tmp_path):
    con = store.connect(tmp_path / "t.duckdb")
    before = store.data_version(con)
    with store.transaction(con):
        store.bump_data_version(con)
    assert store.data_version(con) == before + 1
    with pytest.raises(ZeroDivisionError), store.transaction(con):
        store.bump_data_version(con)
        store.audit(con, "t", "test.half", {})
        _ = 1 / 0
    assert store.data_version(con) == before + 1
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'test.half'").fetchall() == [(0,)]
    con.close()
