"""The upload pipeline: propose a mapping, check a whole file, and load it as one batch.

:func:`ingest_file` reads the file into DuckDB (see :mod:`analytics.ingest.reading`), maps its
columns to canonical fields and items, runs every check in SQL and collects *all* problems before
deciding. A file with any problem is rejected and changes nothing. A clean file is loaded in one
transaction together with its batch row, the audit entry, the data-version bump and the indicator
cell refresh, so a crash or a killed process leaves the database exactly as it was.

Work happens in TEMP tables named ``ingest_*`` on the calling connection:

* ``ingest_raw``: the file's rows as text (``_row`` = row number as in the file, ``c0..cN``);
  personal columns are hashed (HMAC computed by DuckDB) or left out while this table is written.
* ``ingest_fields``: one text column per canonical field (a mapped column or a whole-file value).
* ``ingest_typed``: the same fields parsed (dates, numbers, value-mapped codes, jurisdiction codes);
  regular-expression parsing runs once per distinct text (``ingest_lookup``), not once per cell. A view: only
  the fields the file's columns give are stored (``ingest_typed_rows``), whole-file values once
  (``ingest_typed_constants``), the person hash as its bytes.
* ``ingest_answer_texts`` (a view), ``ingest_answer_values``, ``ingest_answers``: survey answers, each distinct
  answer text mapped and checked once, each cell stored as its value's number, one column per item column
  (``ingest_answer_cells``: the same cells as (row, value number) pairs, a view).
* ``ingest_problems``: everything wrong, with row, column, value, code and message.

The text tables are dropped once the file has passed its checks, before the load transaction, so that
a large file's text is not held while its rows are written.

This module holds the public entry points and runs the stages in order; each stage lives in its own module:

* reading the file's bytes, detecting its layout and staging it: :mod:`analytics.ingest.reading` (workbooks:
  :mod:`analytics.ingest.workbook`);
* proposing column targets and value maps: :mod:`analytics.ingest.mapping`;
* the plan (which column gives which field, mapping problems, the field views): :mod:`analytics.ingest.plan`;
* the rows in ``ingest_raw``, numbered and PII-hashed: :mod:`analytics.ingest.raw`;
* parsing to types (dates, codes, jurisdictions): :mod:`analytics.ingest.typed`;
* the checks that produce problems: :mod:`analytics.ingest.checks` (records kinds: :mod:`analytics.ingest.records`);
* the all-or-nothing load: :mod:`analytics.ingest.load`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import store, tempfiles
from analytics import vocabulary as F
from analytics.db import Connection, execute, fetch_one
from analytics.errors import ConfigError, IngestError, OutOfMemoryError
from analytics.ingest import pii, problems, records
from analytics.ingest.checks import (
    RowAccountingError,
    _answer_values,
    _case_checks,
    _check_already_loaded,
    _check_mixed_encoding,
    _check_width,
    _generic_checks,
    _internal_checks,
    _survey_checks,
    check_row_accounting,
)
from analytics.ingest.load import _load, check_indicators
from analytics.ingest.mapping import (
    MappingProposal,
    assign_columns,
    default_value_maps,
    guess_code,
    known_items,
    resolve_mapping,
    suggest_mapping,
    target_choices,
)
from analytics.ingest.plan import (
    Plan,
    _colmap,
    _effective_spec,
    _plan,
    _project,
    _skip_blank,
    _unmapped_items,
    _unused_mapping_keys,
    _unused_recodes,
    _value_maps,
)
from analytics.ingest.raw import _materialize, _scan_pii
from analytics.ingest.reading import (
    CJK_ENCODINGS,
    Layout,
    SourceFile,
    detect,
    open_source,
    plain_line_count,
    stage,
)
from analytics.ingest.typed import _decide_dayfirst, _new_jurisdictions, _resolve_jurisdictions, _typed
from analytics.ingest.workbook import WorkbookLimits
from analytics.roles import User


@dataclass
class IngestResult:
    """What a load (or a dry run) did: the new batch id (None for a dry run), rows and a summary."""

    batch_id: int | None
    rows: int
    summary: dict[str, Any]
    dry_run: bool = False

    @property
    def warnings(self) -> list[str]:
        """Things worth knowing that did not stop the load, in English."""
        return self.warning_texts("en")

    def warning_texts(self, lang: str, surface: str = "cli") -> list[str]:
        """Things worth knowing that did not stop the load, in ``lang`` (zh or en), worded for ``surface``
        ('cli' or 'page': a page names its own controls, not command-line flags)."""
        return [problems.note_text(entry, lang, surface) for entry in self.summary.get("warnings", [])]


# How many DuckDB threads a load runs on (issue 21's 1.5 GB RSS bound for uploads against issue 20's ingest speed).
# Every thread builds its own hash tables for the load's large aggregations (duplicate ids, distinct persons, the
# inserts), so the extra memory of a second thread grows with the file's ROWS, not its bytes: a 190 MB CSV of 3.9M
# short rows peaked at 1.73 GB RSS on two threads against 1.48 GB on one, while the 190 MB benchmark file of 1M
# 20-column rows peaked at 0.89 GB on two threads. The 1.5 GB bound is promised for files up to the default upload
# limit (UPLOAD_BOUND_BYTES); a larger file can only be loaded once an administrator raises upload_max_mb (a bulk
# load from the command line), and is bounded by DuckDB's memory_limit (2.4 GB, JINGMIN_MEMORY_LIMIT) instead.
SINGLE_THREAD_BYTES = 64 * 1_048_576
UPLOAD_BOUND_BYTES = 200 * 1_048_576
TWO_THREAD_MAX_ROWS = 2_000_000
# Encodings whose line ends are not the byte 0x0A alone (a line count of the bytes would be wrong).
_WIDE_ENCODINGS = ("utf-16", "utf_16", "utf-32", "utf_32")


def load_threads(src: SourceFile, layout: Layout) -> int | None:
    """DuckDB threads for loading ``src``: 1 for a file held to the upload RSS bound, else None (keep the setting).

    One thread when the file is above SINGLE_THREAD_BYTES, within UPLOAD_BOUND_BYTES, and has more than
    TWO_THREAD_MAX_ROWS lines below its header (or its rows cannot be counted cheaply: a workbook, a UTF-16
    file, a lone CR).
    The line count reads the file once in C (about 0.3 s for 180 MB) and is an upper bound of its records.
    """
    if src.size <= SINGLE_THREAD_BYTES or src.size > UPLOAD_BOUND_BYTES:
        return None
    encoding = (layout.encoding or "").lower()
    if layout.format != "csv" or src.path is None or encoding.startswith(_WIDE_ENCODINGS):
        return 1
    lines = plain_line_count(src.path)
    return 1 if lines is None or lines - layout.header_row > TWO_THREAD_MAX_ROWS else None


def upload_limit_mb(con: Connection) -> float:
    """The upload size limit in MB: the ``upload_max_mb`` setting (200 unless changed)."""
    return float(store.get_setting(con, "upload_max_mb"))


def workbook_limits(con: Connection) -> WorkbookLimits:
    """The bounds on one workbook upload, from the ``workbook_*`` settings (analytics.store)."""
    return WorkbookLimits(
        max_bytes=int(float(store.get_setting(con, "workbook_max_mb")) * 1_048_576),
        max_cells=int(store.get_setting(con, "workbook_max_cells")),
        max_columns=int(store.get_setting(con, "workbook_max_columns")),
        max_cell_chars=int(store.get_setting(con, "workbook_max_cell_chars")),
        max_rows=int(store.get_setting(con, "workbook_max_rows")),
    )


def temp_root(con: Connection) -> Path:
    """Where this connection's uploads keep temporary files: ``.jingmin_tmp`` beside the database file."""
    path = fetch_one(con, "ingest/database_path").get("path")
    return tempfiles.temp_root(Path(path).parent if path else None)


def propose_mapping(con: Connection, kind: str, source: str | os.PathLike[str] | bytes, *,
                    sheet: str | None = None, encoding: str | None = None,
                    mapping: str | dict[str, Any] | None = None, source_name: str | None = None,
                    delimiter: str | None = None, header_row: int | None = None) -> MappingProposal:
    """Read a sample of the file and propose how to load it (nothing is written to the database).

    The proposal carries the detected encoding, delimiter, header row and sheet names, a preview,
    a target for every column with its confidence, the whole-file values and the value maps.
    When no mapping is given, a saved mapping whose columns all appear in the file is used.
    """
    _check_kind(kind)
    spec, mapping_name = resolve_mapping(con, kind, mapping)
    opts = spec["options"]
    max_bytes = int(upload_limit_mb(con) * 1_048_576)
    with open_source(source, source_name, max_bytes, digest=False, temp_root=temp_root(con)) as src:
        layout = detect(src, encoding=encoding or opts.get("encoding"), delimiter=delimiter or opts.get("delimiter"),
                        header_row=header_row or opts.get("header_row"), sheet=sheet or opts.get("sheet"),
                        limits=workbook_limits(con))
        _check_width(con, src, layout)
    suggested = suggest_mapping(con, kind, layout.headers)
    if mapping is None and suggested is not None:
        spec, mapping_name = resolve_mapping(con, kind, suggested)
    content = {i: k for i in range(layout.ncols)
               if (k := pii.sample_kind([r[i] for r in layout.preview if i < len(r)]))}
    columns = assign_columns(con, kind, layout, spec, content, layout.preview)
    items = known_items(con, spec)
    targets = sorted({t for c in columns for t in c.targets})
    vmaps = default_value_maps(kind, targets, items)
    for target, overrides in spec["value_maps"].items():
        vmaps.setdefault(target, {}).update(overrides)
    missing = [name for name, f in F.FIELDS[kind].items()
               if f.required and name not in targets and name not in spec["constants"]]
    return MappingProposal(
        kind=kind, source_name=src.name, layout=layout, columns=columns, constants=dict(spec["constants"]),
        value_maps=vmaps, spec_value_maps=spec["value_maps"], items=spec["items"], indicators=spec["indicators"],
        options=dict(opts), mapping_name=mapping_name, missing_required=missing,
        target_choices=target_choices(kind, items), suggested_mapping=suggested,
    )


def ingest_file(con: Connection, kind: str, source: str | os.PathLike[str] | bytes, *,
                mapping: str | dict[str, Any] | None = None, sheet: str | None = None,
                encoding: str | None = None, dayfirst: bool | None = None,
                constants: dict[str, str] | None = None, create_jurisdictions: bool = False,
                dry_run: bool = False, user: User, source_name: str | None = None,
                delimiter: str | None = None, header_row: int | None = None, within: str | None = None,
                acknowledged: list[str] | None = None) -> IngestResult:
    """Check a whole file and, unless ``dry_run``, load it as one batch in one transaction.

    ``source`` is a path or the uploaded bytes (then give ``source_name``). ``mapping`` is a spec,
    a JSON file path or a saved mapping name; keyword arguments override the mapping's options and
    ``constants`` its whole-file values. ``within`` (a city or district code) resolves the file's
    jurisdiction values among that parent's units only; ``acknowledged`` lists unmapped columns that
    look like indicator questions and are, as the analyst confirmed, not to be loaded. Raises
    :class:`IngestError` listing every problem (row as in
    the file, column, value) when the file is rejected; the database is then unchanged.

    ``user`` needs the ``upload`` permission (a dry run too: it reads the whole file into the store's
    scratch tables) and is the audit actor; a survey mapping that adds items or indicators also needs
    ``definitions``. Refused with :class:`AccessDenied` before the file is opened.
    """
    user.require("upload")
    _check_kind(kind)
    spec, mapping_name = resolve_mapping(con, kind, mapping)
    check_indicators(spec)
    opts = spec["options"]
    if within is not None:
        opts["within"] = within
    if acknowledged:
        opts["acknowledged"] = sorted({*(opts.get("acknowledged") or []), *acknowledged})
    all_constants = {**spec["constants"], **{k: str(v) for k, v in (constants or {}).items()}}
    unknown = sorted(set(all_constants) - set(F.FIELDS[kind]))
    if unknown:
        raise ConfigError(f"Cannot set {', '.join(unknown)} for the whole file: not a field of {kind} files. "
                          f"Fields: {', '.join(F.FIELDS[kind])}.")
    if dayfirst is None:
        dayfirst = opts.get("dayfirst")
    max_bytes = int(upload_limit_mb(con) * 1_048_576)
    limits = workbook_limits(con)
    with open_source(source, source_name, max_bytes, temp_root=temp_root(con)) as src:
        layout = detect(src, encoding=encoding or opts.get("encoding"), delimiter=delimiter or opts.get("delimiter"),
                        header_row=header_row or opts.get("header_row"), sheet=sheet or opts.get("sheet"),
                        limits=limits)
        _check_width(con, src, layout)
        execute(con, "ingest/macros")
        problems.reset(con)
        threads = None
        wanted = load_threads(src, layout)
        if wanted is not None:
            threads = int(fetch_one(con, "ingest/threads_get")["threads"])
            execute(con, "ingest/threads_set", {"threads": wanted})
        try:
            return _ingest(con, kind, src, layout, spec, mapping_name, all_constants, dayfirst,
                           create_jurisdictions, dry_run, user, limits)
        finally:
            _drop_temp(con)
            records.drop_temp(con)
            if threads is not None:
                execute(con, "ingest/threads_set", {"threads": threads})


def _check_kind(kind: str) -> None:
    if kind not in F.KINDS:
        raise ConfigError(f"Unknown kind of file {kind!r}; choose one of: {', '.join(F.KINDS)}.")


def _drop_temp(con: Connection) -> None:
    execute(con, "ingest/drop_temp")


def _drop_staging(con: Connection) -> None:
    """Free the file's text copies once checked: the load reads only the typed rows and coded answers."""
    execute(con, "ingest/drop_staging")


def _ingest(con: Connection, kind: str, src: SourceFile, layout: Layout, spec: dict[str, Any],
            mapping_name: str | None, constants: dict[str, str], dayfirst: bool | None,
            create_jurisdictions: bool, dry_run: bool, user: User, limits: WorkbookLimits) -> IngestResult:
    if layout.format == "csv" and layout.encoding in CJK_ENCODINGS:
        _check_mixed_encoding(con, src, layout, dry_run)
    try:
        staged = stage(con, src, layout, limits)
    except OutOfMemoryError as exc:
        raise problems.file_error(src.name, "too_large", "out_of_memory", {"error": str(exc)}) from exc
    warnings: list[str] = []
    content = _scan_pii(con, src, staged, layout)
    columns = assign_columns(con, kind, layout, spec, content, layout.preview)
    items = known_items(con, spec)
    plan = _plan(con, kind, columns, constants, items)
    _unmapped_items(con, columns, spec, warnings)
    _unused_mapping_keys(con, kind, spec, layout, plan)
    rows_read, blank_rows, reader_rejected = _materialize(con, src, staged, layout, plan, warnings)
    rows_in_file = rows_read + reader_rejected
    if rows_read == 0 and problems.count(con) == 0:
        raise problems.file_error(src.name, "header_only", "header_only")
    _check_already_loaded(con, src)
    _project(con, kind, plan)
    skipped = _skip_blank(con, spec["options"].get("skip_blank") or [], plan, warnings)
    _colmap(con, kind, plan)
    vmaps = default_value_maps(kind, sorted(set(plan.fields) | set(plan.constants) | {i for i, _c, _h in plan.items}),
                               items)
    for target, overrides in spec["value_maps"].items():
        vmaps.setdefault(target, {}).update(overrides)
    _value_maps(con, vmaps)
    execute(con, "ingest/check_macros")
    if kind != "jurisdictions":
        _unused_recodes(con, spec)
    dayfirst = _decide_dayfirst(con, kind, plan, dayfirst)
    create_under = None
    if kind != "jurisdictions":
        create_under = _resolve_jurisdictions(con, spec, create_jurisdictions)
    _typed(con, kind, plan, dayfirst)
    _generic_checks(con, kind, plan)
    if kind != "jurisdictions":
        execute(con, "ingest/jurisdiction_problems", {"within": spec["options"].get("within")})

    summary: dict[str, Any] = {
        "kind": kind, "source_name": src.name, "sha256": src.sha256, "size_bytes": src.size,
        **layout.describe(), "dayfirst": dayfirst, "rows_in_file": rows_in_file, "rows_read": rows_read,
        "blank_rows": blank_rows,
        "rows_skipped": skipped, "mapping_name": mapping_name,
        "columns": {c.header: (c.targets if len(c.targets) > 1 else c.target) for c in plan.columns},
        "constants": dict(plan.constants), "ignored_columns": plan.ignored, "personal_data": plan.pii_report,
        "warnings": warnings, "mapping_spec": _effective_spec(kind, spec, plan),
    }
    survey_mode = None
    if kind == "survey":
        survey_mode = _survey_checks(con, plan, items, spec, summary)
    elif kind == "cases":
        _case_checks(con, spec, summary)
    elif kind == "internal":
        _internal_checks(con, summary)
    elif kind in F.RECORD_KINDS:
        records.check(con, kind, summary)
    else:
        execute(con, "ingest/jurisdictions_check")
        stats = fetch_one(con, "ingest/jurisdictions_stats")
        summary["updated"], summary["added"] = int(stats["updated"]), int(stats["total"] - stats["updated"])
        if stats["communities"]:
            warnings.append(problems.note("registry_communities", n=int(stats["communities"])))
    new_jurisdictions = _new_jurisdictions(con) if kind != "jurisdictions" and create_jurisdictions else []
    if new_jurisdictions:
        summary["created_jurisdictions"] = new_jurisdictions
        summary["created_under"] = create_under
        warnings.append(problems.note("new_jurisdictions", n=len(new_jurisdictions),
                                      names=", ".join(f"{raw} ({code})" for raw, code in new_jurisdictions[:10])))
    values = _answer_values(con) if kind == "survey" else None
    if values is not None:
        summary["answer_values"] = values
    try:
        problems.raise_if_problems(con, src.name, dry_run=dry_run, rows_in_file=rows_in_file)
    except IngestError as exc:
        exc.answer_values = values
        raise
    rows = int(fetch_one(con, "ingest/typed_count")["n"])
    summary["rows_loaded"] = rows
    summary["rows_rejected"] = 0  # a file with any problem is rejected whole (raise_if_problems above)
    check_row_accounting(summary)
    if dry_run:
        return IngestResult(None, rows, summary, dry_run=True)
    _drop_staging(con)
    # Free text is redacted here, after the checks and before the load: the load takes text only from the
    # redacted copy, so no stored table (nor the batch summary) ever holds the original.
    summary.update(records.prepare_text(con, kind))
    batch_id = _load(con, kind, src, plan, spec, summary, mapping_name, items, survey_mode, user)
    return IngestResult(batch_id, rows, summary)


def answer_values(con: Connection, kind: str, source: str | os.PathLike[str] | bytes, *,
                  user: User, **kwargs: Any) -> pd.DataFrame:
    """The distinct answers of a survey file's item columns that need a value map, counted over the whole file.

    Columns: column (header), item, value (as in the file), count (rows), code (what it maps to now; empty
    when unknown), unknown (the file would be rejected for it), guess (the closest code of the item's value
    map, for an unknown value; else the current code), choices (the item's codes, don't-know codes last) and
    choice_labels (code -> {"zh": .., "en": ..}; don't-know codes have none). Only columns of items with a
    code list that hold text answers or unknown values are listed, each with at most
    ``ANSWER_VALUES_PER_COLUMN`` values. Runs a check of the file (``ingest_file(..., dry_run=True)`` with
    ``kwargs``, as ``user``, who needs ``upload``); nothing is written. Empty for other kinds, or when the file is
    rejected before its answers are read (its problems then say why).
    """
    columns = ["column", "item", "value", "count", "code", "unknown", "guess", "choices", "choice_labels"]
    if kind != "survey":
        return pd.DataFrame(columns=columns)
    kwargs["dry_run"] = True
    try:
        rows = ingest_file(con, kind, source, user=user, **kwargs).summary.get("answer_values")
    except IngestError as exc:
        rows = exc.answer_values
    frame = pd.DataFrame(rows or [], columns=columns[:-3])
    spec, _name = resolve_mapping(con, kind, kwargs.get("mapping"))
    items = known_items(con, spec)
    maps = default_value_maps(kind, sorted(set(frame["item"])), items)
    for target, overrides in spec["value_maps"].items():
        maps.setdefault(target, {}).update(overrides)
    frame["guess"] = [guess_code(v, maps.get(i, {})) if unknown else code
                      for v, i, code, unknown in zip(frame["value"], frame["item"], frame["code"], frame["unknown"],
                                                     strict=True)]
    frame["choices"] = [[*items[i].codes, *items[i].dk_codes] for i in frame["item"]]
    frame["choice_labels"] = [{c: dict(v) if isinstance(v, dict) else {"zh": str(v), "en": str(v)}
                               for c, v in items[i].codes.items()} for i in frame["item"]]
    return frame


# Plan, RowAccountingError and check_row_accounting are re-exported: analytics.published and the tests
# import them from here.
__all__ = ["IngestError", "IngestResult", "Plan", "RowAccountingError", "check_row_accounting", "ingest_file",
           "propose_mapping", "upload_limit_mb"]
