"""Running the ingest SQL: named multi-statement scripts and generated statements, values always bound.

A script from ``analytics/sql/ingest_*.sql`` runs one statement at a time
(:func:`analytics.sqlfiles.statements`), each receiving exactly the ``$name`` parameters it uses.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from analytics.sqlfiles import load_sql, statements, used_params

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """An identifier for generated SQL; only plain lower-case names (never text from a file) pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Execute one statement, binding the parameters it names (a missing one is a programming error)."""
    return con.execute(sql, used_params(sql, params))


def run_script(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> None:
    """Run every statement of ``analytics/sql/<name>.sql`` in order."""
    for statement in statements(load_sql(name)):
        run(con, statement, params)


def fetch_one(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a one-row named query and return the row as a dict."""
    cursor = run(con, load_sql(name), params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else {}
