"""A store at the schema before a migration, for the tests that migrate a user's file."""

from __future__ import annotations

import re

import duckdb

from analytics import store


def apply_migrations_before(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Apply every migration numbered below ``version`` to ``con`` and record each, as ``store.migrate`` would."""
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    for name, text in store.migration_texts():
        number = int(re.match(r"\d+", name).group())
        if number < version:
            con.execute(text)
            con.execute("INSERT INTO schema_version (version, name) VALUES ($v, $n)", {"v": number, "n": name})
