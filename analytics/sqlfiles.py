"""Named SQL files: their text, loaded by name; :mod:`analytics.db` runs them with values bound as parameters.

A query lives in ``analytics/sql/<name>.sql`` (or ``analytics/sql/<topic>/<name>.sql``, named
``topic/name``) and uses ``$name`` placeholders for values. Identifiers are never interpolated from user input.

Queries are composed, not copied: a file whose first lines include ``-- requires: topic/name`` gets that
file (a ``CREATE OR REPLACE TEMP MACRO`` or ``TEMP VIEW``) run on the same connection first, so a shared
block such as the period calendar (``calendar/jm_calendar``) is written once and selected from everywhere.
TEMP objects are per connection (a cursor is a connection), hence run before each use; creating a macro
costs well under a millisecond.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources

from analytics.errors import UnknownNameError

_NAME = re.compile(r"^(?:[a-z][a-z0-9_]*/)?[a-z][a-z0-9_]*$")
_REQUIRES = re.compile(r"^--\s*requires:\s*(.+)$", re.MULTILINE)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


@cache
def load_sql(name: str) -> str:
    """Return the text of ``analytics/sql/<name>.sql`` (``name`` may be ``topic/name``)."""
    if not _NAME.match(name):
        raise UnknownNameError(f"Not a valid query name: {name!r}")
    path = resources.files("analytics.sql").joinpath(*f"{name}.sql".split("/"))
    if not path.is_file():
        raise UnknownNameError(f"No SQL file named {name!r}")
    return path.read_text(encoding="utf-8")


@cache
def requirements(name: str) -> tuple[str, ...]:
    """The named files ``name`` requires (``-- requires: a, b`` lines), theirs first, each once."""
    ordered: list[str] = []
    for line in _REQUIRES.findall(load_sql(name)):
        for required in (part.strip() for part in line.split(",")):
            if required and required != name:
                ordered.extend(r for r in (*requirements(required), required) if r not in ordered)
    return tuple(ordered)


def statements(text: str) -> list[str]:
    """Split a script at statement ends (a ``;`` closing a line), dropping chunks of only comments.

    DuckDB binds prepared parameters only in the last statement of a string, so scripts run one
    statement at a time.
    """
    out = []
    for chunk in _STATEMENT_END.split(text):
        # Comment lines go: a $name in a comment is not a parameter.
        body = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            out.append(body)
    return out


def used_params(sql: str, params: dict | None) -> dict:
    """The parameters one statement names, from ``params`` (a missing one is a programming error)."""
    used = set(_PARAM.findall(sql))
    values = params or {}
    missing = used - values.keys()
    if missing:
        raise KeyError(f"SQL parameters not supplied: {', '.join(sorted(missing))}")
    return {k: values[k] for k in used}



def path_literal(path: str | os.PathLike[str]) -> str:
    """``path`` (resolved) as a quoted SQL string literal, for the few statements in which DuckDB binds no
    parameter (EXPORT DATABASE, IMPORT DATABASE). Every other value is bound as a parameter.

    A path holding a quote, a backslash or a control character is refused, never escaped, so the literal
    cannot end early; the caller passes paths of its own (not text from an upload or a request).
    """
    text = os.fspath(os.path.realpath(path))
    if re.search(r"['\\\x00-\x1f]", text):
        raise ValueError(f"Unsupported characters in a path for SQL: {text!r}")
    return "'" + text + "'"
