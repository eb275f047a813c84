"""Errors a user can cause, with a message a person can act on.

Pages catch only :class:`JingminError`; anything else is a bug and must surface in tests.
Each error carries an i18n message key and its parameters so the page can show it in the
user's language, plus an English ``str()`` for the CLI and logs, and the exit code the CLI ends
with (README, "Exit codes"): 2 for a problem with the user's input or data, 3 when the database
file cannot be opened, read or written, 4 when another process held it for longer than the wait.
"""

from __future__ import annotations

from typing import Any


class JingminError(Exception):
    """Base class for every error a user can cause (bad input, unknown names, bad settings).

    ``message_key`` names an entry in the i18n catalog; ``params`` fill its placeholders.
    ``problems`` is an optional list of row-level problems (see ``analytics.ingest``).
    """

    message_key = "error.generic"
    exit_code = 2

    def __init__(self, message: str, *, key: str | None = None, problems: list[Any] | None = None,
                 **params: Any) -> None:
        super().__init__(message)
        self.message = message
        if key is not None:
            self.message_key = key
        self.params = params
        self.problems = problems or []


class ConfigError(JingminError):
    """A setting, path or environment variable has a value that cannot be used."""

    message_key = "error.config"


class UnknownNameError(JingminError):
    """A jurisdiction, indicator, period or batch named by the user does not exist."""

    message_key = "error.unknown_name"


class IngestError(JingminError):
    """An uploaded file was rejected; ``problems`` lists what is wrong, row by row."""

    message_key = "error.ingest"
    # The distinct answers of the file's item columns with counts and codes (see analytics.ingest.answer_values),
    # set by the survey loader so that a rejected file's unknown values can be mapped without reading it again.
    answer_values: list[dict[str, Any]] | None = None


class DefinitionError(JingminError):
    """An indicator or item definition is inconsistent (bad scoring map, unknown item...)."""

    message_key = "error.definition"


class WeightingError(JingminError):
    """Raking margins are inconsistent or cannot be met by the sample."""

    message_key = "error.weighting"


class AccessDenied(JingminError):
    """The current user may not see or change this."""

    message_key = "error.access_denied"


class QueryError(JingminError):
    """DuckDB rejected a query built from user input (wrapped at the data boundary)."""

    message_key = "error.query"


class InputDataError(QueryError):
    """DuckDB could not read an input (a file's bytes or shape do not match how it was asked to read them)."""


class OutOfMemoryError(QueryError):
    """A statement needed more memory than DuckDB's limit (``JINGMIN_MEMORY_LIMIT``) allows."""


class StoreError(JingminError):
    """The database file cannot be opened, read or written: not a DuckDB file, damaged, disk full, no
    permission. The message names the file and what to do; the DuckDB error is chained as the cause."""

    message_key = "error.store"
    exit_code = 3


class StoreBusyError(JingminError):
    """Another process (a CLI load, another dashboard) kept the database locked for longer than the
    configured wait (``JINGMIN_LOCK_TIMEOUT`` seconds); trying again later will work."""

    message_key = "error.store_busy"
    exit_code = 4


class CompareError(JingminError):
    """A comparison, trend test or peer group that cannot be made as asked."""

    message_key = "error.compare.generic"
