"""Running the ingest SQL: named multi-statement scripts and generated statements, values always bound.

DuckDB binds prepared parameters only in the last statement of a string, so a script from
``analytics/sql/ingest_*.sql`` is split at statement ends (a ``;`` closing a line) and each
statement receives exactly the ``$name`` parameters it uses.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from analytics.sqlfiles import load_sql

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """An identifier for generated SQL; only plain lower-case names (never text from a file) pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def statements(text: str) -> list[str]:
    """Split a script into statements, dropping chunks that hold only comments."""
    out = []
    for chunk in _STATEMENT_END.split(text):
        # Comment lines go: a $name in a comment is not a parameter.
        body = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            out.append(body)
    return out


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Execute one statement, binding the parameters it names (a missing one is a programming error)."""
    used = set(_PARAM.findall(sql))
    values = params or {}
    missing = used - values.keys()
    if missing:
        raise KeyError(f"SQL parameters not supplied: {', '.join(sorted(missing))}")
    return con.execute(sql, {k: values[k] for k in used})


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
