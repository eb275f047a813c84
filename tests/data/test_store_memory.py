"""The DuckDB memory limit every connection gets: 2.4GB unless JINGMIN_MEMORY_LIMIT says otherwise."""

import duckdb
import pytest

from analytics import store
from analytics.errors import ConfigError


def limit_bytes(con):
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def expected(size):
    con = duckdb.connect()
    con.execute("SET memory_limit = $m", {"m": size})
    return limit_bytes(con)


def test_default_limit_is_2_4gb(tmp_path, monkeypatch):
    monkeypatch.delenv(store.MEMORY_LIMIT_ENV, raising=False)
    con = store.connect(tmp_path / "a.duckdb")
    assert limit_bytes(con) == expected("2.4GB")
    con.close()
    read_only = store.connect(tmp_path / "a.duckdb", read_only=True)
    assert limit_bytes(read_only) == expected("2.4GB")


def test_limit_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "1GB")
    assert limit_bytes(store.connect(tmp_path / "a.duckdb")) == expected("1GB")


def test_none_keeps_duckdb_default(tmp_path, monkeypatch):
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "none")
    assert limit_bytes(store.connect(tmp_path / "a.duckdb")) == limit_bytes(duckdb.connect())
    assert limit_bytes(duckdb.connect()) != expected("2.4GB")


def test_a_bad_limit_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match="JINGMIN_MEMORY_LIMIT"):
        store.connect(tmp_path / "a.duckdb")
