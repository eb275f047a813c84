"""Identifiers for the ingest SQL generated in Python (the column plan); the statements run through
:func:`analytics.db.run` (generated) and :func:`analytics.db.execute` (named files), values always bound."""

from __future__ import annotations

import re

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def ident(name: str) -> str:
    """An identifier for generated SQL; only plain lower-case names (never text from a file) pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name
