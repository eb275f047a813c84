"""Row-level problems found in an uploaded file, and the report built from them.

Every check writes its findings into the TEMP table ``ingest_problems`` (row as in the file,
column header, value, problem code, message key and its parameters as JSON); nothing stops at the
first problem. When the checks are done, :func:`raise_if_problems` turns the table into an
:class:`IngestError` whose ``problems`` list feeds the CLI report and the UI's CSV download.

Messages live in the i18n catalog under ``ingest.msg.<key>``: the CLI and the stored English text use
``en``, the Upload page shows the user's language (:meth:`Problem.text`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.db import Connection, execute, fetch_all, fetch_one
from analytics.errors import IngestError
from analytics.i18n import has, t

# The full report keeps at most this many problems (a file where every one of 10M rows is wrong
# would otherwise build 10M Python objects); the counts per code are always complete.
REPORT_CAP = 100_000
REPORT_COLUMNS = ["row", "column", "value", "code", "message"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (row as numbered in the file, column header) and what.

    ``message`` is the English text; ``key`` and ``params`` give it in any language (:meth:`text`).
    """

    row: int | None
    column: str | None
    value: str | None
    code: str
    key: str
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def message(self) -> str:
        """The message in English (CLI, logs)."""
        return self.text("en")

    def text(self, lang: str, surface: str = "cli") -> str:
        """The message in ``lang`` (zh or en). On ``surface`` 'page' a message that names a command-line flag
        has its page wording (``ingest.page_msg.<key>``: the page's own controls, fields by their labels)."""
        # A parameter given as {"t": key} is itself a catalog message (a label such as "phone numbers").
        params = {name: t(value["t"], lang) if isinstance(value, dict) else value
                  for name, value in self.params.items()}
        if surface == "page" and has(f"ingest.page_msg.{self.key}"):
            return t(f"ingest.page_msg.{self.key}", lang, **_field_labels(params, lang))
        return t(f"ingest.msg.{self.key}", lang, **params)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def reset(con: Connection) -> None:
    """Start an empty problem table for this connection's current file."""
    execute(con, "ingest/problems_create")


def add(con: Connection, code: str, key: str, params: dict[str, Any] | None = None, *,
        row: int | None = None, column: str | None = None, value: str | None = None) -> None:
    """Record one problem found in Python (file-level and mapping problems); ``key`` names the message
    ``ingest.msg.<key>`` in the catalog and ``params`` fills its placeholders."""
    execute(
        con, "ingest/problem_add",
        {"row": row, "col": column, "value": value, "code": code, "key": key,
         "params": json.dumps(params or {}, ensure_ascii=False, sort_keys=True, default=str)},
    )


def count(con: Connection) -> int:
    """How many problems have been recorded so far."""
    return int(fetch_one(con, "ingest/problems_count")["n"])


def raise_if_problems(con: Connection, source_name: str, *, dry_run: bool,
                      rows_in_file: int | None = None) -> None:
    """Raise an IngestError listing every recorded problem (capped), with complete counts per code.

    The error's params carry ``rows_in_file`` (data rows of the file; all of them are rejected, since
    a file loads all or nothing) and ``rows_with_problems`` (distinct rows the report names).
    """
    counts_rows = fetch_all(con, "ingest/problem_counts")
    if not counts_rows:
        return
    counts = {code: int(n) for code, n in counts_rows}
    total = sum(counts.values())
    rows = fetch_all(con, "ingest/problem_list", {"cap": REPORT_CAP})
    problems = [Problem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]
    with_problems = int(fetch_one(con, "ingest/problem_rows")["n"])
    verb = "Checked" if dry_run else "Rejected"
    raise IngestError(
        f"{verb} {source_name}: {total} problem{'s' if total != 1 else ''} found; nothing was loaded.",
        key="ingest.rejected", problems=problems, counts=counts, total=total, source=source_name,
        truncated=total > len(problems), rows_in_file=rows_in_file, rows_with_problems=with_problems,
    )


def rows_line(error: IngestError) -> str | None:
    """'rows in file = loaded + rejected' for a rejected file, in English (None when not counted)."""
    rows = error.params.get("rows_in_file")
    if rows is None:
        return None
    return t("ingest.rows_rejected", "en", rows=rows, with_problems=error.params.get("rows_with_problems", 0))


def rows_accounted(summary: dict[str, Any], lang: str) -> str:
    """'rows in file = loaded + skipped + superseded + rejected' of a load summary, in ``lang``."""
    return t("upload.rows_accounted", lang, rows=summary["rows_in_file"], loaded=summary["rows_loaded"],
             skipped=summary.get("rows_skipped") or 0, superseded=summary.get("superseded_in_file") or 0,
             rejected=summary.get("rows_rejected") or 0, blank=summary.get("blank_rows") or 0)


def note(key: str, **params: Any) -> dict[str, Any]:
    """A load-summary warning (something worth knowing that did not stop the load), stored in the batch
    summary as its catalog key ``ingest.note.<key>`` and values so that it can be shown in any language."""
    return {"key": key, "params": params}


def note_text(entry: dict[str, Any], lang: str, surface: str = "cli") -> str:
    """A warning made by :func:`note`, in ``lang``; on ``surface`` 'page' in its page wording when it has one
    (``ingest.page_note.<key>``: no command-line flags on a page)."""
    if surface == "page" and has(f"ingest.page_note.{entry['key']}"):
        return t(f"ingest.page_note.{entry['key']}", lang, **_field_labels(entry["params"], lang))
    return t(f"ingest.note.{entry['key']}", lang, **entry["params"])


def field_label(name: str, lang: str) -> str:
    """A canonical field (or mapping target) by its label in ``lang``; a name without one as it is."""
    return t(f"field.{name}", lang) if has(f"field.{name}") else name


def _field_labels(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """``params`` with a ``field`` parameter given by its label (for the page wordings)."""
    return {k: field_label(v, lang) if k == "field" and isinstance(v, str) else v for k, v in params.items()}


def file_error(source_name: str, code: str, key: str, params: dict[str, Any] | None = None) -> IngestError:
    """An IngestError for a problem with the file as a whole (empty, binary, too large...); ``key`` and
    ``params`` name its message in the catalog (``ingest.msg.<key>``)."""
    problem = Problem(None, None, None, code, key, dict(params or {}))
    return IngestError(f"Rejected {source_name}: 1 problem found; nothing was loaded.", key="ingest.rejected",
                       problems=[problem],
                       counts={code: 1}, total=1, source=source_name, truncated=False)


def problems_frame(problems: IngestError | Iterable[Problem], lang: str = "en", surface: str = "cli") -> pd.DataFrame:
    """The full problem list as a DataFrame (row, column, value, code, message in ``lang``, worded for
    ``surface``: 'cli' or 'page') for a CSV download."""
    items = problems.problems if isinstance(problems, IngestError) else list(problems)
    return pd.DataFrame([[p.row, p.column, p.value, p.code, p.text(lang, surface)] for p in items],
                        columns=REPORT_COLUMNS).astype({"row": "Int64"})


def report_lines(error: IngestError, *, first: int = 5) -> list[str]:
    """The human report: a headline, then per problem code its count and its first distinct problems.

    Problems that say the same thing about the same column and value (an unknown answer on 4,000 rows)
    are one line with their row count and up to three example rows, so a value the maps lack is listed
    once, not once per row; ``first`` limits the distinct problems shown per code.
    """
    counts: dict[str, int] = error.params.get("counts") or {}
    if not counts:
        counts = {}
        for p in error.problems:
            counts[p.code] = counts.get(p.code, 0) + 1
    lines = [error.message]
    for code, n in counts.items():
        lines.append(f"{code}: {n}")
        groups: dict[tuple[str | None, str | None, str], list[Problem]] = {}
        for p in error.problems:
            if p.code == code:
                groups.setdefault((p.column, p.value, p.message), []).append(p)
        covered = 0
        for members in list(groups.values())[:first]:
            lines.append("  " + _group_text(members))
            covered += len(members)
        if n > covered:
            lines.append(f"  ... and {n - covered} more")
    return lines


def _group_text(members: list[Problem]) -> str:
    """One line for problems that differ only in their row: 'rows 3, 8, 9 (12 rows), column X: message'."""
    if len(members) == 1:
        return str(members[0])
    rows = [p.row for p in members if p.row is not None]
    where = []
    if rows:
        examples = ", ".join(str(r) for r in rows[:3])
        where.append(f"rows {examples}{', …' if len(rows) > 3 else ''} ({len(members)} rows)")
    if members[0].column:
        where.append(f"column {members[0].column}")
    return f"{', '.join(where)}: {members[0].message}" if where else members[0].message
