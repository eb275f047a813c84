"""Named SQL files: one result each, loaded by name, values always bound as parameters.

A query lives in ``analytics/sql/<name>.sql`` and uses ``$name`` placeholders for values.
Identifiers are never interpolated from user input.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb
import pandas as pd

from analytics.errors import QueryError, UnknownNameError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def load_sql(name: str) -> str:
    """Return the text of ``analytics/sql/<name>.sql``."""
    if not _NAME.match(name):
        raise UnknownNameError(f"Not a valid query name: {name!r}")
    path = resources.files("analytics.sql").joinpath(f"{name}.sql")
    if not path.is_file():
        raise UnknownNameError(f"No SQL file named {name!r}")
    return path.read_text(encoding="utf-8")


def query_df(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run the named query with bound parameters and return a (small) pandas frame."""
    try:
        return con.execute(load_sql(name), params or {}).df()
    except duckdb.Error as exc:  # wrap at the data boundary
        raise QueryError(f"DuckDB raised an error when running query {name!r}: {exc}") from exc


def execute(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    """Run the named statement(s) with bound parameters, for side effects."""
    try:
        con.execute(load_sql(name), params or {})
    except duckdb.Error as exc:
        raise QueryError(f"DuckDB raised an error when running statement {name!r}: {exc}") from exc
