"""Identifiers for the ingest SQL generated in Python (the column plan); the statements run through
:func:`analytics.db.run` (generated) and :func:`analytics.db.execute` (named files), values always bound."""

from __future__ import annotations

import re

from analytics.sqlfiles import load_sql, statements

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """An identifier for generated SQL; only plain lower-case names (never text from a file) pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def field_sql(name: str, field: str) -> str:
    """The one statement of the named template ``analytics/sql/<name>.sql`` for one canonical field: each ``@F``
    becomes ``field`` (checked by :func:`ident`; a field name of the vocabulary, never text from a file).

    The same check runs on every field of a type, and a column cannot be a bound parameter: the template is
    written once, in its file, and the statement run through :func:`analytics.db.run` with its values bound.
    """
    (statement,) = statements(load_sql(name).replace("@F", ident(field)))
    return statement
