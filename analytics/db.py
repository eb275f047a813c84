"""The one database boundary: the only module that imports duckdb (an import-linter contract checks it).

Other modules take a :data:`Connection` (a type alias, so a cursor of the same file is one too), open files through
:func:`connect`, and run statements through :func:`query_df`, :func:`execute`, :func:`fetch_one` and
:func:`fetch_all`, which take the name of a SQL file (``analytics/sql/<topic>/<name>.sql``, loaded by
:mod:`analytics.sqlfiles`) and the values to bind. SQL generated in Python from allow-listed identifiers (the
ingest pipeline's column plan) runs through :func:`run`; its values are bound too.

Every ``duckdb.Error`` these functions meet becomes a :class:`~analytics.errors.JingminError` subclass whose
message says what a person can do, with DuckDB's error chained as ``__cause__``:

- a file that cannot be read or written (``IOException``, ``FatalException``): :class:`StoreError` (exit 3);
- an input DuckDB cannot read (``InvalidInputException``: a file's bytes or shape): :class:`InputDataError`;
- the memory limit reached (``OutOfMemoryException``): :class:`OutOfMemoryError`;
- anything else: :class:`QueryError`.

``InterruptException`` is not an error but a stop (Ctrl-C or SIGTERM during a query; DuckDB rolled back the open
transaction); it passes unchanged so the CLI ends with 128 + the signal number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from analytics.errors import InputDataError, OutOfMemoryError, QueryError, StoreError
from analytics.sqlfiles import load_sql, requirements, statements, used_params

if TYPE_CHECKING:  # pandas is imported by DuckDB's .df() itself; the CLI's --help must not pay for it here
    import pandas as pd

Connection = duckdb.DuckDBPyConnection
"""An open DuckDB connection (or a cursor of one: the same type)."""

# DuckDB's error classes, for the few places that must tell them apart before this module wraps them
# (store.py's lock retry, the CLI's signal handling).
Error = duckdb.Error
IOException = duckdb.IOException
FatalException = duckdb.FatalException
InterruptException = duckdb.InterruptException
ConnectionException = duckdb.ConnectionException
CatalogException = duckdb.CatalogException
InvalidInputException = duckdb.InvalidInputException
OutOfMemoryException = duckdb.OutOfMemoryException

_ADVICE_FILE = ("Check that the file exists and is readable, that the disk has free space, and that the database, "
                "its .wal and its folder are writable, then try again.")
_ADVICE_INPUT = "Check the file's content and format (the value DuckDB names above), correct it and try again."
_ADVICE_MEMORY = ("Raise the limit with JINGMIN_MEMORY_LIMIT (e.g. 8GB) if the machine has the memory, or split the "
                  "input into smaller files.")
_ADVICE_BUG = ("This is a problem in Jingmin or in the database's content, not in what you entered; report it "
               "with this message.")


def wrap_error(exc: duckdb.Error, what: str) -> Exception:
    """The :class:`JingminError` for a DuckDB error met while running ``what`` (a file name or a description).

    Returns (not raises) the new error so the caller writes ``raise wrap_error(exc, ...) from exc``;
    an ``InterruptException`` is returned unchanged (a stop, not an error).
    """
    if isinstance(exc, duckdb.InterruptException):
        return exc
    if isinstance(exc, duckdb.IOException | duckdb.FatalException):
        return StoreError(f"Reading or writing a file failed when running {what}: {exc}. {_ADVICE_FILE}")
    if isinstance(exc, duckdb.OutOfMemoryException):
        return OutOfMemoryError(f"DuckDB ran out of memory when running {what}: {exc}. {_ADVICE_MEMORY}")
    if isinstance(exc, duckdb.InvalidInputException):
        return InputDataError(f"DuckDB could not read the input when running {what}: {exc}. {_ADVICE_INPUT}")
    return QueryError(f"DuckDB raised an error when running {what}: {exc}. {_ADVICE_BUG}")


def connect(path: str, *, read_only: bool = False) -> Connection:
    """Open the DuckDB file at ``path`` (``":memory:"`` for a database in memory), unwrapped.

    Opening is the one call whose errors stay DuckDB's own: :mod:`analytics.store` tells a lock held by another
    process (retried) from a damaged file (a :class:`StoreError` naming the file and what to do) itself.
    """
    return duckdb.connect(path, read_only=read_only)


def _install_requirements(con: Connection, name: str) -> None:
    for required in requirements(name):
        for statement in statements(load_sql(required)):
            con.execute(statement)


def query_df(con: Connection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run the named query (one statement) with bound parameters and return a (small) pandas frame."""
    try:
        _install_requirements(con, name)
        return con.execute(load_sql(name), params or {}).df()
    except duckdb.Error as exc:
        raise wrap_error(exc, f"query {name!r}") from exc


def execute(con: Connection, name: str, params: dict[str, Any] | None = None) -> None:
    """Run the named statement(s) in order for their side effects; each statement gets the parameters it names."""
    try:
        _install_requirements(con, name)
        for statement in statements(load_sql(name)):
            con.execute(statement, used_params(statement, params))
    except duckdb.Error as exc:
        raise wrap_error(exc, f"statement {name!r}") from exc


def _run_last(con: Connection, name: str, params: dict[str, Any] | None) -> duckdb.DuckDBPyConnection:
    """Run every statement of the named file, returning the cursor of the last (the result)."""
    _install_requirements(con, name)
    parts = statements(load_sql(name))
    for statement in parts[:-1]:
        con.execute(statement, used_params(statement, params))
    return con.execute(parts[-1], used_params(parts[-1], params))


def fetch_one(con: Connection, name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the named query and return its first row as ``{column: value}`` (``{}`` when it returns no row)."""
    try:
        cursor = _run_last(con, name, params)
        columns = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    except duckdb.Error as exc:
        raise wrap_error(exc, f"query {name!r}") from exc
    return dict(zip(columns, row, strict=True)) if row is not None else {}


def fetch_all(con: Connection, name: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run the named query and return all its rows as tuples (for small results; frames: :func:`query_df`)."""
    try:
        return _run_last(con, name, params).fetchall()
    except duckdb.Error as exc:
        raise wrap_error(exc, f"query {name!r}") from exc


def run(con: Connection, sql: str, params: dict[str, Any] | None = None, *,
        what: str = "a generated statement") -> Connection:
    """Run one statement generated in Python from allow-listed identifiers, binding the parameters it names.

    Only for SQL whose shape depends on the data (the ingest plan's columns); a fixed statement belongs in a
    named file. Returns the cursor, whose rows the caller fetches (fetching does not raise DuckDB errors for the
    statements this is used with: they are materialised when executed).
    """
    try:
        return con.execute(sql, used_params(sql, params))
    except duckdb.Error as exc:
        raise wrap_error(exc, what) from exc


def execute_many(con: Connection, name: str, rows: list[tuple[Any, ...]] | list[list[Any]]) -> None:
    """Run the named statement (one, with ``?`` placeholders) once per row of ``rows``, in order.

    For the few small row sets built in Python (an upload's column plan, value maps, problems a reader found);
    a large set belongs in a frame or a list parameter DuckDB reads in one statement. No rows: nothing runs.
    """
    if not rows:
        return
    try:
        _install_requirements(con, name)
        (statement,) = statements(load_sql(name))  # one statement: executemany binds rows to one
        con.executemany(statement, rows)
    except duckdb.Error as exc:
        raise wrap_error(exc, f"statement {name!r}") from exc
