"""The dashboard shares its database with the CLI: no lock between runs, a friendly notice while a
load in another process holds the file, and both working side by side (docs/store.md)."""

from __future__ import annotations

import pytest

from analytics import store
from analytics.i18n import t
from tests.data.test_store_share import cli, hold, release


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_load_in_another_process_shows_the_busy_notice_not_an_error(app, synthetic_db_path, monkeypatch, lang):
    at = app(lang)  # the page has run once: the process has prepared (migrated) the file
    holder = hold(synthetic_db_path, "write", 60)
    try:
        monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "1")
        at.run()
        assert not at.exception, at.exception
        assert [i.value for i in at.info] == [t("error.store_busy", lang)]
        assert not at.error
    finally:
        release(holder)
    at.run()  # the load has ended: the figures come back
    assert not at.exception, at.exception
    assert t("error.store_busy", lang) not in [i.value for i in at.info]
    assert at.metric or at.dataframe


def test_the_cli_reads_and_writes_while_the_dashboard_is_open(app, synthetic_db_path):
    at = app("en")
    con = store.connect(synthetic_db_path, read_only=True)
    before = store.data_version(con)
    con.close()
    wrote = cli(synthetic_db_path, "weights", "reset", JINGMIN_LOCK_TIMEOUT="5")
    assert wrote.returncode == 0, wrote.stderr
    read = cli(synthetic_db_path, "indicators", "--level", "city", JINGMIN_LOCK_TIMEOUT="5")
    assert read.returncode == 0, read.stderr
    assert "waiting" not in wrote.stderr + read.stderr  # the dashboard held no lock between its runs
    at.run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path, read_only=True)
    assert store.data_version(con) > before
    con.close()
