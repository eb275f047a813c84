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
  regular-expression parsing runs once per distinct text (``ingest_lookup``), not once per cell.
* ``ingest_long`` (a view), ``ingest_answer_values``, ``ingest_answers``: survey answers, each distinct
  answer text mapped and checked once, each cell stored as (row, value number).
* ``ingest_problems``: everything wrong, with row, column, value, code and message.

The text tables are dropped once the file has passed its checks, before the load transaction, so that
a large file's text is not held while its rows are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from analytics import definitions, store, tempfiles, waves
from analytics import vocabulary as F
from analytics.db import Connection, execute, fetch_one, run
from analytics.engine import refresh_cells
from analytics.errors import ConfigError, IngestError, InputDataError, OutOfMemoryError
from analytics.ingest import pii, problems, records
from analytics.ingest.mapping import (
    CONSTANT_LABEL,
    ColumnGuess,
    MappingProposal,
    assign_columns,
    default_value_maps,
    guess_code,
    known_items,
    resolve_mapping,
    suggest_mapping,
    target_choices,
)
from analytics.ingest.reading import (
    CJK_ENCODINGS,
    ENCODING_LABELS,
    Layout,
    SourceFile,
    Staged,
    detect,
    line_flags_sql,
    mixed_encoding_lines,
    open_source,
    plain_line_count,
    stage,
    xlsx_column_label,
)
from analytics.ingest.sqlrun import ident
from analytics.ingest.workbook import WorkbookLimits
from analytics.roles import User
from analytics.sqlfiles import load_sql

DEFAULT_UPLOAD_MAX_MB = 200
PII_SAMPLE_ROWS = 10_000
# The PII scan reads at most this many cells (rows x columns): a wide file is judged on fewer rows, so the scan's
# cost stays bounded whatever the file's shape (500 rows of a 1,000-column file is still a fair sample).
PII_SAMPLE_CELLS = 500_000
PII_MIN_ROWS = 200
MAX_NEW_JURISDICTIONS = 500
MIN_DATE = dt.date(1990, 1, 1)
FAILPOINT_ENV = "JINGMIN_INGEST_FAILPOINT"
_NEW_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_TEMP_VIEWS = ("ingest_long", "ingest_answer_texts", "ingest_fields")
_TEMP_TABLES = ("ingest_raw0", "ingest_lines", "ingest_linemap", "ingest_raw", "ingest_constants", "ingest_typed",
                "ingest_lookup", "ingest_itemcols", "ingest_answer_values", "ingest_answers", "ingest_keys",
                "ingest_vmap_raw", "ingest_vmap", "ingest_colmap", "ingest_item_defs", "ingest_jvals",
                "ingest_jur_merged", "ingest_rejects", "ingest_reject_scans", "ingest_xlsx",
                "ingest_internal_rows")


class RowAccountingError(RuntimeError):
    """Internal invariant broken: the rows of a file do not add up (rows in file != loaded + rejected...).

    A bug, never a user error: it is not a JingminError, so no page or CLI handler hides it.
    """


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


@dataclass
class Plan:
    """Where each canonical field and item comes from, and what happens to personal columns."""

    kind: str
    columns: list[ColumnGuess]
    fields: dict[str, int] = field(default_factory=dict)        # field -> column index
    constants: dict[str, str] = field(default_factory=dict)     # field -> value for the whole file
    items: list[tuple[str, int, str]] = field(default_factory=list)  # (item, column index, header)
    hashed: set[int] = field(default_factory=set)
    keep: set[int] = field(default_factory=set)
    pii_report: list[dict[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def given(self, name: str) -> bool:
        """Whether the file gives this field (a column or a whole-file value)."""
        return name in self.fields or name in self.constants

    def header(self, name: str) -> str:
        """The label problems about this field carry: the column header or the constant marker."""
        if name in self.fields:
            return self.columns[self.fields[name]].header
        return CONSTANT_LABEL


# --------------------------------------------------------------------------------------------
# Public API


def upload_limit_mb(con: Connection) -> float:
    """The upload size limit in MB: the ``upload_max_mb`` setting if present, else 200."""
    if "upload_max_mb" in store.DEFAULT_SETTINGS:
        return float(store.get_setting(con, "upload_max_mb"))
    rows = con.execute("SELECT value FROM settings WHERE name = 'upload_max_mb'").fetchall()
    return float(json.loads(rows[0][0])) if rows else float(DEFAULT_UPLOAD_MAX_MB)


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
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    path = rows[0][0] if rows else None
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
        try:
            return _ingest(con, kind, src, layout, spec, mapping_name, all_constants, dayfirst,
                           create_jurisdictions, dry_run, user, limits)
        finally:
            _drop_temp(con)
            records.drop_temp(con)


def _check_width(con: Connection, src: SourceFile, layout: Layout) -> None:
    """Refuse a file wider than the ``upload_max_columns`` setting, judged on its header before it is read.

    Reading, scanning and checking a file costs memory and time in proportion to its columns as well as its
    rows; the upload size limit alone lets through a 200 MB file of 100,000 columns.
    """
    limit = int(store.get_setting(con, "upload_max_columns"))
    if layout.ncols > limit:
        raise problems.file_error(src.name, "too_many_columns", "too_many_columns",
                                  {"n": layout.ncols, "limit": limit})


# --------------------------------------------------------------------------------------------
# The steps


def _check_kind(kind: str) -> None:
    if kind not in F.KINDS:
        raise ConfigError(f"Unknown kind of file {kind!r}; choose one of: {', '.join(F.KINDS)}.")


def _drop_views(con: Connection) -> None:
    for view in _TEMP_VIEWS:
        run(con, "DROP VIEW IF EXISTS " + ident(view))


def _drop_temp(con: Connection) -> None:
    _drop_views(con)
    for table in _TEMP_TABLES:
        run(con, "DROP TABLE IF EXISTS " + ident(table))


def _drop_staging(con: Connection) -> None:
    """Free the file's text copies once checked: the load reads only the typed rows and coded answers.

    A 10-million-row file's text is gigabytes that DuckDB would otherwise keep through the load.
    """
    _drop_views(con)
    for table in ("ingest_raw", "ingest_lookup", "ingest_lines", "ingest_linemap"):
        run(con, "DROP TABLE IF EXISTS " + ident(table))


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
        stats = con.execute("SELECT count(*) FILTER (WHERE code IN (SELECT code FROM jurisdictions)), count(*) "
                            "FROM ingest_typed").fetchall()[0]
        summary["updated"], summary["added"] = int(stats[0]), int(stats[1] - stats[0])
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
    rows = int(con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0])
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


ANSWER_VALUES_PER_COLUMN = 200  # distinct answers listed per column for the value-map table


def _answer_values(con: Connection) -> list[dict[str, Any]] | None:
    """The value-map table rows (``value_maps/answer_value_counts``), or None when the answers were not read."""
    exists = run(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_answer_values' AND temporary"
                 ).fetchall()[0][0]
    if not exists:
        return None
    frame = run(con, load_sql("value_maps/answer_value_counts"), {"max_values": ANSWER_VALUES_PER_COLUMN}).df()
    return [{"column": r.column_name, "item": r.item, "value": r.value, "count": int(r.n),
             "code": None if pd.isna(r.code) else str(r.code), "unknown": bool(r.bad)}
            for r in frame.itertuples(index=False)]


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


def check_row_accounting(summary: dict[str, Any]) -> None:
    """Fail loudly unless every data row of the file is accounted for.

    rows in file = loaded + skipped (mapping option skip_blank) + superseded (cases, keep_last)
    + rejected. Blank rows are not data rows and are counted apart. Raises RowAccountingError.
    """
    parts = (summary["rows_loaded"], summary.get("rows_skipped") or 0, summary.get("superseded_in_file") or 0,
             summary.get("rows_rejected") or 0)
    if summary["rows_in_file"] != sum(parts):
        raise RowAccountingError(
            f"{summary['source_name']}: {summary['rows_in_file']} data rows in the file but loaded + skipped + "
            f"superseded + rejected = {' + '.join(str(p) for p in parts)}; no row may go missing.")


def _check_mixed_encoding(con: Connection, src: SourceFile, layout: Layout, dry_run: bool) -> None:
    """Reject a GB18030 (GBK) file with lines written in UTF-8, naming each such line, before it is transcoded.

    Read as GB18030, UTF-8 Chinese turns into other Chinese characters (often without any decoding error), so
    the file would load as nonsense; every later check would only be checking that nonsense, so the report stops
    here.
    """
    found = mixed_encoding_lines(src.path)
    if not found.utf8_lines or not found.gb_lines:
        return
    params = {"n": found.gb_lines, "first": found.first_gb_line,
              "encoding": ENCODING_LABELS.get(layout.encoding or "", layout.encoding)}
    run(con, "INSERT INTO ingest_problems SELECT unnest($rows), NULL, NULL, 'mixed_encoding', 'mixed_encoding', "
             "$params", {"rows": found.utf8_lines, "params": json.dumps(params, ensure_ascii=False)})
    problems.raise_if_problems(con, src.name, dry_run=dry_run)


def _effective_spec(kind: str, spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """The mapping as actually applied (guesses included): what is saved for the next file."""
    out: dict[str, Any] = {
        "kind": kind,
        "columns": {c.header: (c.targets if len(c.targets) > 1 else c.target) for c in plan.columns},
    }
    for key in ("value_maps", "items", "indicators", "options"):
        if spec.get(key):
            out[key] = spec[key]
    if plan.constants:
        out["constants"] = dict(plan.constants)
    return out


def _unmapped_items(con: Connection, columns: list[ColumnGuess], spec: dict[str, Any],
                    warnings: list[Any]) -> None:
    """An unmapped column that looks like an indicator's question stops the load until acknowledged.

    Leaving it out silently would drop an indicator for the whole wave; the analyst either maps it or
    lists its header in the option ``acknowledged`` (the Upload page's check box, ``--acknowledge``),
    and an acknowledged column is still named in the load summary.
    """
    acknowledged = set(spec["options"].get("acknowledged") or [])
    flagged = {col.header for col in columns if col.looks_like and col.target == F.IGNORE}
    for header in sorted(acknowledged - flagged):
        problems.add(con, "mapping", "acknowledged_not_unmapped", {"header": header})
    quiet = []
    for col in columns:
        if not col.looks_like or col.target != F.IGNORE:
            continue
        if col.header in acknowledged:
            quiet.append(col.header)
        else:
            problems.add(con, "unmapped_item_column", "unmapped_item_column", {"item": col.looks_like},
                         column=col.header)
    if quiet:
        warnings.append(problems.note("unmapped_item_acknowledged", columns=", ".join(quiet)))


# Field types whose text goes through a value map (jurisdiction values through the recoding).
_VALUE_MAPPED_TYPES = ("enum", "bool", "jurisdiction", "family")  # family: label -> family code (vocabulary.py)


def _unused_mapping_keys(con: Connection, kind: str, spec: dict[str, Any], layout: Layout,
                         plan: Plan) -> None:
    """A mapping key that would not be applied is a problem, never ignored.

    Columns the mapping names must be in the file, and every value map must belong to a field or item
    this file gives that takes a value map (a map for ``weight`` or for an unmapped item would do nothing).
    """
    headers = {F.norm_header(h) for h in layout.headers}
    for header in spec["columns"]:
        if F.norm_header(header) not in headers:
            problems.add(con, "mapping", "mapping_column_missing",
                         {"header": header, "headers": ", ".join(layout.headers)})
    fields = F.FIELDS[kind]
    given_items = {item for item, _c, _h in plan.items}
    for target in spec["value_maps"]:
        if target in fields and fields[target].type not in _VALUE_MAPPED_TYPES:
            problems.add(con, "mapping", "value_map_unused_type", {"target": target, "type": fields[target].type})
        elif not (plan.given(target) if target in fields else target in given_items):
            problems.add(con, "mapping", "value_map_unused", {"target": target})


def _unused_recodes(con: Connection, spec: dict[str, Any]) -> None:
    """A jurisdiction recode whose value the file does not hold is a problem (a typo would else pass)."""
    recodes = spec["value_maps"].get("jurisdiction") or {}
    if not recodes:
        return
    present = {r[0] for r in run(con, "SELECT DISTINCT jm_norm(jurisdiction) FROM ingest_fields "
                                      "WHERE nullif(trim(jurisdiction), '') IS NOT NULL").fetchall()}
    for key, code in recodes.items():
        if F.norm_value(key) not in present:
            problems.add(con, "mapping", "value_map_key_unused", {"value": key, "code": code})


def _scan_pii(con: Connection, src: SourceFile, staged: Staged, layout: Layout) -> dict[int, str]:
    """Which columns hold phone or ID-card numbers, judged on the first rows of the whole file.

    One pass over (column, value) pairs grouped by column: the cost grows with the cells read, never with a
    statement per column (three regular-expression aggregates per column made a 1,000-column file take 4 GB).
    At most PII_SAMPLE_CELLS cells are read (PII_SAMPLE_ROWS rows, fewer for a wide file, at least PII_MIN_ROWS).
    """
    limit = max(PII_MIN_ROWS, min(PII_SAMPLE_ROWS, PII_SAMPLE_CELLS // max(layout.ncols, 1)))
    # COLUMNS picks the staged columns c0..cN (not an xlsx file's _row); UNPIVOT leaves out NULL cells.
    sql = ("SELECT col, count(nullif(trim(v), '')), count(*) FILTER (WHERE jm_is_phone(v)), "
           "count(*) FILTER (WHERE jm_is_id(v)) FROM (UNPIVOT (SELECT * FROM (" + staged.select_sql
           + ") LIMIT $limit) ON COLUMNS('^c[0-9]+$') INTO NAME col VALUE v) GROUP BY col")
    try:
        counts = run(con, sql, {**staged.params, "limit": limit}).fetchall()
    except InputDataError as exc:
        raise problems.file_error(src.name, "unreadable", "unreadable", {"error": str(exc)}) from exc
    found = {}
    for col, filled, phones, ids in counts:
        index = int(col[1:])
        if filled and ids >= pii.CONTENT_SHARE * filled:
            found[index] = "id_card"
        elif filled and phones >= pii.CONTENT_SHARE * filled:
            found[index] = "phone"
    return found


def _plan(con: Connection, kind: str, columns: list[ColumnGuess], constants: dict[str, str],
          items: dict[str, definitions.Item]) -> Plan:
    """Turn column targets into a plan, recording mapping problems (unknown targets, clashes, PII)."""
    plan = Plan(kind, columns, constants=dict(constants))
    fields = F.FIELDS[kind]
    hash_target = F.PERSON_HASH.get(kind)
    item_names = set(items) if kind == "survey" else set()
    for col in columns:
        for target in col.targets:
            if target == F.IGNORE:
                continue
            if col.pii and target != hash_target:
                hashable = bool(hash_target) and col.pii != "name"
                problems.add(con, "personal_data", "pii_column_hashable" if hashable else "pii_column",
                             {"kind": {"t": f"upload.pii.{col.pii}"}, "target": hash_target}, column=col.header)
            elif target == hash_target:
                if hash_target in plan.fields:
                    problems.add(con, "mapping", "two_hash_columns", {"target": hash_target}, column=col.header)
                plan.fields[hash_target] = col.index
                plan.hashed.add(col.index)
            elif target in fields:
                if target in plan.fields:
                    problems.add(con, "mapping", "field_taken",
                                 {"field": target, "other": columns[plan.fields[target]].header}, column=col.header)
                elif target in constants:
                    problems.add(con, "mapping", "field_mapped_and_set", {"field": target}, column=col.header)
                else:
                    plan.fields[target] = col.index
            elif target in item_names:
                # Two columns answering one item would give a respondent two answers to one question.
                other = next((h for i, _c, h in plan.items if i == target), None)
                if other is not None:
                    problems.add(con, "mapping", "field_taken", {"field": target, "other": other}, column=col.header)
                else:
                    plan.items.append((target, col.index, col.header))
            else:
                known = ", ".join(F.targets_for(kind))
                problems.add(con, "mapping", "not_a_field_survey" if kind == "survey" else "not_a_field",
                             {"target": target, "kind": kind, "known": known}, column=col.header)
        if col.target == F.IGNORE:
            plan.ignored.append(col.header)
        if col.pii:
            action = f"hashed into {hash_target}" if col.index in plan.hashed else "dropped"
            plan.pii_report.append({"column": col.header, "kind": col.pii, "action": action})
    plan.keep = {i for i in plan.fields.values()} | {i for _item, i, _h in plan.items}
    for name, spec in fields.items():
        if spec.required and not plan.given(name):
            problems.add(con, "missing_field", "missing_field", {"field": name})
    if kind == "survey" and not plan.items:
        problems.add(con, "no_items", "no_items")
    return plan


def _materialize(con: Connection, src: SourceFile, staged: Staged, layout: Layout, plan: Plan,
                 warnings: list[str]) -> tuple[int, int, int]:
    """Write ``ingest_raw`` (row number + kept columns; hashed where planned).

    Returns (data rows read, blank rows, rows the reader rejected): rows rejected by the reader are
    reported as problems and not in ``ingest_raw``; every data row of the file is one or the other,
    which is checked here against the reader's own count (RowAccountingError otherwise).
    """
    exprs = []
    for i in sorted(plan.keep):
        col = ident(f"c{i}")
        exprs.append(f"{HASH_EXPR.replace('COL', col)} AS {col}" if i in plan.hashed else col)
    params = {**staged.params, **(pii.hmac_pads() if plan.hashed else {})}
    blank = " AND ".join(f"coalesce(trim({ident(f'c{i}')}), '') = ''" for i in range(layout.ncols)) or "false"
    if staged.numbered:
        blank = "false"  # the workbook reader staged only rows holding a value (a too-long cell counts)
    select = ", ".join(["(" + blank + ") AS _blank", _long_cells_expr(layout.ncols), *exprs])
    params["max_cell"] = int(store.get_setting(con, "upload_max_cell_chars"))
    numbered = "CAST(_row AS BIGINT) AS _row, " if staged.numbered else ""
    sql = ("CREATE OR REPLACE TEMP TABLE ingest_raw0 AS SELECT " + numbered
           + select + " FROM (" + staged.select_sql + ")")
    try:
        run(con, "DROP TABLE IF EXISTS ingest_rejects")
        run(con, "DROP TABLE IF EXISTS ingest_reject_scans")
        run(con, sql, params)
    except InputDataError as exc:
        raise problems.file_error(src.name, "unreadable", "unreadable", {"error": str(exc)}) from exc
    reader_rejected = 0
    if staged.numbered:
        run(con, "DROP TABLE IF EXISTS ingest_xlsx")  # the sheet's text, now in ingest_raw0 (PII hashed or left out)
        run(con, "ALTER TABLE ingest_raw0 RENAME TO ingest_raw")
        _xlsx_problems(con, staged, layout)
    else:
        reader_rejected = _number_csv_rows(con, staged, layout, warnings)
    run(con, "DROP TABLE IF EXISTS ingest_raw0")
    run(con, _LONG_CELL_PROBLEMS, {"max_cell": params["max_cell"], "headers": layout.headers})
    blank_rows = int(run(con, "SELECT count(*) FROM ingest_raw WHERE _blank").fetchall()[0][0]) + staged.blank_rows
    run(con, "DELETE FROM ingest_raw WHERE _blank")
    rows = int(run(con, "SELECT count(*) FROM ingest_raw").fetchall()[0][0])
    if staged.rows_in_file is not None and staged.rows_in_file != rows + reader_rejected:
        raise RowAccountingError(f"{src.name}: the workbook reader counted {staged.rows_in_file} data rows but "
                                 f"{rows} reached the database and {reader_rejected} were rejected.")
    return rows, blank_rows, reader_rejected


def _long_cells_expr(ncols: int) -> str:
    """``_long``: NULL for a row whose cells are all within ``$max_cell`` characters, else every cell's length.

    Computed in the pass that reads the file, over every column (an ignored one too, since it is read all the same):
    the byte length (strlen, constant time) screens each cell, as a text has no more characters than bytes, and
    only a row with a long cell pays for counting characters.
    """
    cols = [ident(f"c{i}") for i in range(ncols)]
    if not cols:
        return "CAST(NULL AS BIGINT[]) AS _long"
    screen = " OR ".join(f"coalesce(strlen({c}), 0) > $max_cell" for c in cols)
    return "CASE WHEN " + screen + " THEN [" + ", ".join(f"length({c})" for c in cols) + "] END AS _long"


# One problem per cell longer than the limit, with its row and column header (bound as the list $headers).
_LONG_CELL_PROBLEMS = """
INSERT INTO ingest_problems
SELECT _row, $headers[i], NULL, 'cell_too_long', 'cell_too_long', json_object('n', n, 'limit', $max_cell)
FROM (SELECT _row, unnest(_long) AS n, generate_subscripts(_long, 1) AS i FROM ingest_raw WHERE _long IS NOT NULL)
WHERE n > $max_cell
"""


# The person key: HMAC of the normalised identifier ('phone:138...', 'id:1101...', 'text:...').
HASH_EXPR = pii.HASH_SQL.replace("TEXT", "jm_person_text(COL)")


def _number_csv_rows(con: Connection, staged: Staged, layout: Layout, warnings: list[str]) -> int:
    """Give every staged CSV row its line number in the file; record rows DuckDB rejected.

    Returns how many data rows DuckDB rejected (each reported as a problem, none in ``ingest_raw``).
    """
    n_rows, n_rejects = run(con, "SELECT (SELECT count(*) FROM ingest_raw0), (SELECT count(*) FROM ingest_rejects)"
                            ).fetchall()[0]
    if n_rejects == 0 and plain_line_count(staged.params["path"]) == n_rows + staged.skip:
        # One record per line, none skipped (see plain_line_count): the row's position is its line. A new
        # column set by UPDATE, not a copy of the table (a tenth of the time; rowid is the insertion position).
        run(con, "ALTER TABLE ingest_raw0 ADD COLUMN _row BIGINT")
        run(con, "UPDATE ingest_raw0 SET _row = rowid + 1 + $skip", {"skip": staged.skip})
        run(con, "ALTER TABLE ingest_raw0 RENAME TO ingest_raw")
        return 0
    try:
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_lines AS " + line_flags_sql(), {"path": staged.params["path"]})
        scanned = True
    except InputDataError:
        # DuckDB's line scan splits a multi-byte character after a lone CR in a CRLF file (a quoted value such as
        # "x\r张"), which the row reader reads fine (found by the ingest fuzz test): number records instead.
        scanned = False
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_lines AS "
                 "SELECT DISTINCT line AS line_no, false AS blank FROM ingest_rejects")
    # DuckDB skips blank lines when there are several columns but returns them as rows of one column.
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_linemap AS "
             "SELECT row_number() OVER (ORDER BY line_no) AS _ord, line_no FROM ingest_lines "
             "WHERE line_no > $skip AND (NOT blank OR $single) "
             "AND line_no NOT IN (SELECT line FROM ingest_rejects)",
        {"skip": staged.skip, "single": layout.ncols == 1})
    n_rows, n_lines = run(con, "SELECT (SELECT count(*) FROM ingest_raw0), (SELECT count(*) FROM ingest_linemap)"
                          ).fetchall()[0]
    if scanned and n_rows == n_lines:
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_raw AS SELECT m.line_no AS _row, r.* "
                 "FROM ingest_raw0 r JOIN ingest_linemap m ON m._ord = r.rowid + 1")
    else:
        # A quoted value spanning several lines: lines and rows no longer pair up one to one.
        warnings.append(problems.note("multiline_values"))
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_raw AS SELECT rowid + 1 + $skip AS _row, * "
                 "FROM ingest_raw0", {"skip": staged.skip})
    run(con, """
        INSERT INTO ingest_problems
        SELECT DISTINCT r.line, NULL, NULL,
            CASE r.error_type WHEN 'TOO MANY COLUMNS' THEN 'too_many_fields'
                              WHEN 'MISSING COLUMNS' THEN 'too_few_fields'
                              WHEN 'UNQUOTED VALUE' THEN 'bad_quote'
                              WHEN 'INVALID ENCODING' THEN 'bad_encoding'
                              ELSE 'unreadable_row' END,
            CASE r.error_type WHEN 'TOO MANY COLUMNS' THEN 'field_count'
                              WHEN 'MISSING COLUMNS' THEN 'field_count'
                              WHEN 'UNQUOTED VALUE' THEN 'bad_quote'
                              WHEN 'INVALID ENCODING' THEN 'line_not_utf8'
                              ELSE 'reader_error' END,
            json_object('found', regexp_extract(r.error_message, 'Found: (\\d+)', 1), 'width', $width,
                        'error', r.error_message)
        FROM ingest_rejects r JOIN ingest_lines l ON l.line_no = r.line
        WHERE NOT l.blank
    """, {"width": layout.ncols})
    rejected = int(run(con, "SELECT count(DISTINCT r.line) FROM ingest_rejects r JOIN ingest_lines l "
                            "ON l.line_no = r.line WHERE NOT l.blank").fetchall()[0][0])
    if scanned and n_rows == n_lines:
        # Lines and records pair one to one: every non-blank data line is a row read or a row rejected.
        lines = int(run(con, "SELECT count(*) FROM ingest_lines WHERE line_no > $skip AND NOT blank",
                        {"skip": staged.skip}).fetchall()[0][0])
        read = int(run(con, "SELECT count(*) FROM ingest_raw WHERE NOT _blank").fetchall()[0][0])
        if lines != read + rejected:
            raise RowAccountingError(f"{lines} data lines in the file but {read} rows read and {rejected} rejected.")
    return rejected


def _xlsx_problems(con: Connection, staged: Staged, layout: Layout) -> None:
    """Report workbook rows with cells beyond the header and cells too long to read (row, column, length)."""
    found = [(row, None, None, "too_many_fields", "too_many_cells",
              json.dumps({"found": width, "width": layout.ncols}))
             for row, width in staged.xlsx_extra]
    limit = int(store.get_setting(con, "workbook_max_cell_chars"))
    found += [(row, xlsx_column_label(layout, col), None, "cell_too_long", "workbook_cell_too_long",
               json.dumps({"length": length, "limit": limit}))
              for row, col, length in staged.xlsx_too_long]
    if found:
        con.executemany("INSERT INTO ingest_problems VALUES (?, ?, ?, ?, ?, ?)", found)


def _check_already_loaded(con: Connection, src: SourceFile) -> None:
    rows = con.execute("SELECT batch_id, source_name, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM batches "
                       "WHERE sha256 = $h AND status = 'loaded' ORDER BY batch_id", {"h": src.sha256}).fetchall()
    if rows:
        batch_id, name, loaded_at = rows[0]
        problems.add(con, "already_loaded", "already_loaded", {"batch": batch_id, "name": name, "at": loaded_at})


def _project(con: Connection, kind: str, plan: Plan) -> None:
    """``ingest_fields``: one text column per canonical field (and the person key), from column or constant.

    A view over ``ingest_raw`` (a copy would cost seconds and gigabytes at province scale); whole-file
    values come from the one-row table ``ingest_constants``, since a view cannot hold bound values.
    """
    exprs = ["r._row"]
    constants = ["1 AS one"]
    params: dict[str, Any] = {}
    for name in F.targets_for(kind):
        alias = ident(name)
        if name in plan.fields:
            exprs.append(f"r.{ident('c' + str(plan.fields[name]))} AS {alias}")
        elif name in plan.constants:
            params[f"k_{alias}"] = plan.constants[name]
            constants.append(f"CAST(${ident('k_' + alias)} AS VARCHAR) AS {alias}")
            exprs.append(f"k.{alias}")
        else:
            exprs.append(f"CAST(NULL AS VARCHAR) AS {alias}")
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_constants AS SELECT " + ", ".join(constants), params)
    run(con, "CREATE OR REPLACE TEMP VIEW ingest_fields AS SELECT " + ", ".join(exprs)
        + " FROM ingest_raw r CROSS JOIN ingest_constants k")
    if kind == "survey":
        _long_answers(con, plan)


def _long_answers(con: Connection, plan: Plan) -> None:
    """``ingest_long``: a view of the answer cells, one row per file row and answer column.

    A view, not a table: the long form has ~15 rows per respondent and is read twice (distinct
    answers, then every cell), which one UNPIVOT over ``ingest_raw`` does without storing it.
    ``ingest_itemcols`` says which item and header each staged column stands for.
    """
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_itemcols (col VARCHAR, item VARCHAR, header VARCHAR)")
    if plan.items:
        con.executemany("INSERT INTO ingest_itemcols VALUES (?, ?, ?)",
                        [(f"c{index}", item, header) for item, index, header in plan.items])
        cols = ", ".join(ident(f"c{index}") for index in sorted({index for _i, index, _h in plan.items}))
        run(con, "CREATE OR REPLACE TEMP VIEW ingest_long AS SELECT _row, col, raw FROM (SELECT _row, " + cols
            + " FROM ingest_raw) UNPIVOT INCLUDE NULLS (raw FOR col IN (" + cols + "))")
        # The distinct texts per column straight from the columns: no 15-rows-per-respondent detour.
        run(con, "CREATE OR REPLACE TEMP VIEW ingest_answer_texts AS " + " UNION ALL ".join(
            "SELECT DISTINCT '" + ident(f"c{index}") + "' AS col, " + ident(f"c{index}") + " AS raw FROM ingest_raw"
            for index in sorted({index for _i, index, _h in plan.items})))
    else:
        for view in ("ingest_long", "ingest_answer_texts"):
            run(con, "CREATE OR REPLACE TEMP VIEW " + ident(view) + " AS SELECT CAST(NULL AS BIGINT) AS _row, "
                     "CAST(NULL AS VARCHAR) AS col, CAST(NULL AS VARCHAR) AS raw WHERE false")


def _skip_blank(con: Connection, skip_fields: list[str], plan: Plan, warnings: list[str]) -> int:
    """Drop rows whose listed fields are blank (a mapping option, e.g. crimes without an id)."""
    skipped = 0
    for name in skip_fields:
        if name not in F.targets_for(plan.kind):
            raise ConfigError(f"Mapping option skip_blank names {name!r}, which is not a field of {plan.kind} files.")
        col = ident(name)
        n = int(run(con, "SELECT count(*) FROM ingest_fields WHERE nullif(trim(" + col + "), '') IS NULL"
                    ).fetchall()[0][0])
        if n:  # ingest_fields and ingest_long are views of ingest_raw
            run(con, "DELETE FROM ingest_raw WHERE _row IN (SELECT _row FROM ingest_fields WHERE nullif(trim("
                + col + "), '') IS NULL)")
            warnings.append(problems.note("blank_rows_skipped", n=n, field=name))
            skipped += n
    return skipped


def _colmap(con: Connection, kind: str, plan: Plan) -> None:
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_colmap (target VARCHAR, header VARCHAR, is_constant BOOLEAN)")
    rows = [(name, plan.header(name), name not in plan.fields) for name in F.targets_for(kind) if plan.given(name)]
    if rows:
        con.executemany("INSERT INTO ingest_colmap VALUES (?, ?, ?)", rows)


def _value_maps(con: Connection, vmaps: dict[str, dict[str, str | None]]) -> None:
    """``ingest_vmap``: (target, folded file value) -> code; later entries (the mapping's) win."""
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_vmap_raw (target VARCHAR, raw VARCHAR, code VARCHAR, seq INTEGER)")
    rows = [(target, raw, code, seq) for target, vmap in vmaps.items()
            for seq, (raw, code) in enumerate(vmap.items())]
    if rows:
        targets, raws, codes, seqs = (list(col) for col in zip(*rows, strict=True))
        run(con, "INSERT INTO ingest_vmap_raw SELECT unnest($t), unnest($r), unnest($c), unnest($s)",
            {"t": targets, "r": raws, "c": codes, "s": seqs})
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_vmap AS SELECT target, jm_norm(raw) AS key, code "
             "FROM ingest_vmap_raw QUALIFY row_number() OVER (PARTITION BY target, jm_norm(raw) ORDER BY seq DESC) = 1")


def _date_fields(kind: str, plan: Plan) -> list[str]:
    return [n for n, f in F.FIELDS[kind].items() if f.type in ("date", "timestamp") and plan.given(n)]


def _decide_dayfirst(con: Connection, kind: str, plan: Plan, stated: bool | None) -> bool | None:
    """Day-first or month-first for dates like 05/03/2025: as stated, else as the data prove.

    None when the file has no such dates (nothing to decide).
    """
    names = _date_fields(kind, plan)
    if stated is not None or not names:
        return stated
    # Once per distinct date text without its time of day (a case file's timestamps are all distinct, their
    # dates are not): only whether any date has a first or second part above 12 matters.
    union = " UNION ".join("SELECT jm_dt_norm(raw) AS x FROM (SELECT DISTINCT split_part(split_part(trim("
                           + ident(n) + "), ' ', 1), 'T', 1) AS raw FROM ingest_fields)" for n in names)
    n_slash, first_big, second_big, example = run(con, """
        SELECT count(*), count(*) FILTER (WHERE CAST(split_part(x, '-', 1) AS INTEGER) > 12),
               count(*) FILTER (WHERE CAST(split_part(x, '-', 2) AS INTEGER) > 12), min(x)
        FROM (""" + union + ") WHERE jm_dt_shape(x) = 'dmy'").fetchall()[0]
    if n_slash == 0:
        return None
    if first_big and not second_big:
        return True
    if second_big and not first_big:
        return False
    problems.add(con, "ambiguous_dates", "ambiguous_dates", {"example": example.replace("-", "/")})
    return True


def _resolve_jurisdictions(con: Connection, spec: dict[str, Any], create: bool) -> str | None:
    """Match jurisdiction values to the registry; suggest close names or plan new stations.

    Returns the code new stations go under when some are to be created.
    """
    within = spec["options"].get("within")
    if within is not None and not con.execute("SELECT 1 FROM jurisdictions WHERE code = $c",
                                              {"c": within}).fetchall():
        problems.add(con, "unknown_jurisdiction", "unknown_within", {"within": within})
    execute(con, "ingest/jurisdiction_values", {"within": within})
    unknown = [r[0] for r in con.execute(
        "SELECT raw FROM ingest_jvals WHERE status = 'unknown' ORDER BY first_row").fetchall()]
    if not unknown:
        return None
    registry = con.execute("SELECT code, name_zh, name_en FROM jurisdictions ORDER BY code").fetchall()
    if create:
        parent = spec["options"].get("create_parent") or within or _root_code(con)
        if parent is None or parent not in {r[0] for r in registry}:
            problems.add(con, "unknown_jurisdiction", "no_root_for_new")
            return None
        if len(unknown) > MAX_NEW_JURISDICTIONS:
            problems.add(con, "unknown_jurisdiction", "too_many_new", {"n": len(unknown)})
            return None
        taken = {r[0] for r in registry}
        rows = []
        for raw in unknown:
            code = raw if _NEW_CODE.match(raw) and raw not in taken else "X" + hashlib.sha1(
                raw.encode("utf-8")).hexdigest()[:8].upper()
            taken.add(code)
            rows.append((code, raw))
        con.executemany("UPDATE ingest_jvals SET status = 'new', code = ? WHERE raw = ?", rows)
        return parent
    labels = [f"{name_zh} / {name_en} ({code})" for code, name_zh, name_en in registry]
    keys = [" ".join((code, name_zh, name_en)) for code, name_zh, name_en in registry]
    rows = []
    for raw in unknown[:200]:
        best = process.extract(raw, keys, scorer=fuzz.WRatio, limit=3, score_cutoff=50)
        if best:
            rows.append(("; ".join(labels[m[2]] for m in best), raw))
    if rows:
        con.executemany("UPDATE ingest_jvals SET suggestion = ? WHERE raw = ?", rows)
    return None


def _root_code(con: Connection) -> str | None:
    rows = con.execute("SELECT code FROM jurisdictions WHERE parent_code IS NULL ORDER BY code").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def _new_jurisdictions(con: Connection) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(
        "SELECT raw, code FROM ingest_jvals WHERE status = 'new' ORDER BY first_row").fetchall()]


# How a text cell becomes its typed value. Dates, codes and jurisdictions go through regular expressions,
# so they are parsed once per distinct text (ingest_lookup: a file of a million rows has a few thousand
# distinct dates and a few hundred station names) and joined back; plain casts run per cell.
_PER_CELL = {
    "text": "nullif(trim(f.@F), '')",
    "decimal": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS DOUBLE)",
    "number": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS DOUBLE)",
    "count": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS BIGINT)",
}
# Text already in ISO form (as most systems export timestamps) is what jm_dt_norm would leave unchanged and
# jm_dt_parse would read with these formats: one regular expression instead of a dozen.
_DATE_TEXT = ("CASE WHEN regexp_full_match(d.cell_text, '\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}(:\\d{2})?)?') "
              "THEN try_strptime(d.cell_text, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']) "
              "ELSE jm_dt_parse(jm_dt_norm(d.cell_text), $dayfirst) END, NULL")
_PER_VALUE = {  # (timestamp, code) of one distinct text ``d.cell_text``
    "date": _DATE_TEXT,
    "timestamp": _DATE_TEXT,
    "enum": "NULL, (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text))",
    "bool": "NULL, (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text))",
    "jurisdiction": "NULL, (SELECT j.code FROM ingest_jvals j WHERE j.norm = jm_norm(d.cell_text))",
    # Open fields: a mapped text takes its code (a map to null blanks it); any other text is kept as its
    # folded self (label) or becomes the family 'other' (family; the text is kept in <field>_label).
    "label": "NULL, CASE WHEN nullif(trim(d.cell_text), '') IS NULL THEN NULL "
             "WHEN EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
             "THEN (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
             "ELSE jm_norm(d.cell_text) END",
    "family": "NULL, CASE WHEN nullif(trim(d.cell_text), '') IS NULL THEN NULL "
              "WHEN EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
              "THEN (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
              "ELSE '" + F.UNMAPPED + "' END",
}
_FROM_LOOKUP = {
    "date": "CAST(@L.ts AS DATE)",
    "timestamp": "@L.ts",
    "enum": "@L.code",
    "label": "@L.code",
    "family": "@L.code",
    "bool": "TRY_CAST(@L.code AS BOOLEAN)",
    "jurisdiction": "@L.code",
}


def _typed(con: Connection, kind: str, plan: Plan, dayfirst: bool | None) -> None:
    """``ingest_typed``: every field parsed to its type (NULL where it does not parse; checks say why)."""
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_lookup (field VARCHAR, raw VARCHAR, ts TIMESTAMP, code VARCHAR)")
    exprs = ["f._row"]
    joins = []
    for number, (name, spec) in enumerate(F.FIELDS[kind].items()):
        column = ident(name)
        if spec.type in _PER_CELL:
            exprs.append(_PER_CELL[spec.type].replace("@F", column) + " AS " + column)
            continue
        if plan.given(name):
            run(con, "INSERT INTO ingest_lookup SELECT '" + column + "', d.cell_text, "
                + _PER_VALUE[spec.type].replace("@F", column) + " FROM (SELECT DISTINCT " + column
                + " AS cell_text FROM ingest_fields WHERE " + column + " IS NOT NULL) d",
                {"dayfirst": dayfirst} if spec.type in ("date", "timestamp") else None)
        alias = ident(f"l{number}")
        joins.append(" LEFT JOIN ingest_lookup " + alias + " ON " + alias + ".field = '" + column + "' AND "
                     + alias + ".raw = f." + column)
        exprs.append(_FROM_LOOKUP[spec.type].replace("@L", alias) + " AS " + column)
        if spec.type == "family":
            exprs.append("nullif(trim(regexp_replace(jm_fold(f." + column + "), '\\s+', ' ', 'g')), '') AS "
                         + ident(name + "_label"))
    if kind in F.PERSON_HASH:
        exprs.append("f." + ident(F.PERSON_HASH[kind]))
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_typed AS SELECT " + ", ".join(exprs) + " FROM ingest_fields f"
        + "".join(joins))


# Checks per field type; @F is replaced by the (allow-listed) field name, values are bound.
_BLANK_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), NULL, 'missing_value', 'blank', json_object('field', '@F')
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NULL
   OR (t.@F IS NULL AND EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                                                          AND v.code IS NULL))
"""
_DATE_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       json_object('value', f.@F, 'min', $min_date, 'max', $max_date)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND (t.@F IS NULL OR CAST(t.@F AS DATE) < $min_date OR CAST(t.@F AS DATE) > $max_date)
"""
_NUMBER_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number',
       CASE WHEN t.@F IS NOT NULL AND NOT isfinite(t.@F) THEN 'not_finite' ELSE 'not_positive' END,
       json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F) OR t.@F <= 0)
"""
_DECIMAL_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_finite', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F))
"""
_COUNT_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_count', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR t.@F < 0)
"""
_CHOICE_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'invalid_value', 'invalid_value',
       json_object('value', trim(f.@F), 'field', '@F', 'valid', $valid)
FROM ingest_fields f
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                  AND (v.code IS NULL OR list_contains($choices, v.code)))
"""
_PII_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), jm_mask(f.@F), 'personal_data', 'pii_value', json_object()
FROM ingest_fields f
WHERE jm_is_phone(f.@F) OR jm_is_id(f.@F)
"""


def _generic_checks(con: Connection, kind: str, plan: Plan) -> None:
    today = dt.date.today()
    for name, spec in F.FIELDS[kind].items():
        if not plan.given(name):
            continue
        params: dict[str, Any] = {"min_date": MIN_DATE, "max_date": today + dt.timedelta(days=1)}
        checks = []
        if spec.required or spec.type == "number":
            checks.append(_BLANK_CHECK)
        if spec.type in ("date", "timestamp"):
            checks.append(_DATE_CHECK)
        elif spec.type == "number":
            checks.append(_NUMBER_CHECK)
        elif spec.type == "count":
            checks.append(_COUNT_CHECK)
        elif spec.type == "decimal":
            checks.append(_DECIMAL_CHECK)
        elif spec.type in ("enum", "bool"):
            choices = list(spec.choices) if spec.type == "enum" else ["true", "false"]
            params.update(choices=choices, valid=", ".join(choices) if spec.type == "enum" else "yes, no (是, 否)")
            checks.append(_CHOICE_CHECK)
        if spec.type in ("text", "number") and kind != "jurisdictions" and name not in F.FREE_TEXT.get(kind, ()):
            checks.append(_PII_CHECK)
        for template in checks:
            run(con, template.replace("@F", ident(name)), params)
    # A whole-file value wrong once is reported once.
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_problems AS SELECT DISTINCT * FROM ingest_problems")


def _item_defs(con: Connection, plan: Plan, items: dict[str, definitions.Item]) -> None:
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_item_defs (item VARCHAR, codes VARCHAR[], dk_codes VARCHAR[], "
             "dk_default VARCHAR, is_open BOOLEAN)")
    rows = [(name, list(items[name].codes), list(items[name].dk_codes),
             items[name].dk_codes[0] if items[name].dk_codes else None,
             items[name].scale == definitions.OPEN_SCALE)
            for name in sorted({i for i, _c, _h in plan.items})]
    if rows:
        con.executemany("INSERT INTO ingest_item_defs VALUES (?, ?, ?, ?, ?)", rows)


def _survey_checks(con: Connection, plan: Plan, items: dict[str, definitions.Item],
                   spec: dict[str, Any], summary: dict[str, Any]) -> str | None:
    """Answers, repeats and the survey mode; returns the batch's survey mode."""
    _item_defs(con, plan, items)
    if "weight" in plan.fields:  # one weight for the whole file has no spread
        execute(con, "ingest/weight_check", {"header": plan.header("weight"),
                                                "max_ratio": float(store.get_setting(con, "weight_max_ratio"))})
    execute(con, "ingest/survey_answers", {"age_item": F.AGE_YEARS_ITEM, "age_min": F.AGE_YEARS_RANGE[0],
                                              "age_max": F.AGE_YEARS_RANGE[1]})
    # A wave may mix modes (mail, web and phone): each respondent keeps its own mode, and the batch records
    # the mix; a change of the mix between periods is what marks a trend break (analytics.compare).
    mode_counts = {str(m): int(n) for m, n in run(
        con, "SELECT mode, count(*) FROM ingest_typed WHERE mode IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()}
    modes = list(mode_counts)
    survey_mode = "+".join(modes) if modes else spec["options"].get("survey_mode")
    stats = fetch_one(con, "ingest/survey_stats")
    summary.update(survey_mode=survey_mode, survey_modes=mode_counts,
                   respondents=stats["respondents"], answers=stats["answers"],
                   dont_know=stats["dont_know"], items=sorted({i for i, _c, _h in plan.items}),
                   interview_dates=[str(stats["first_date"]), str(stats["last_date"])])
    warnings = summary["warnings"]
    if stats["not_station_rows"]:
        warnings.append(problems.note("not_station_rows", n=stats["not_station_rows"]))
    if stats["repeat_in_file"] or stats["repeat_loaded"]:
        warnings.append(problems.note("repeat_person", in_file=stats["repeat_in_file"],
                                      loaded=stats["repeat_loaded"]))
    if survey_mode is None:
        warnings.append(problems.note("no_survey_mode"))
    elif len(modes) > 1:
        warnings.append(problems.note("mixed_mode_wave", modes=", ".join(f"{m} ({n})" for m, n in mode_counts.items())))
    # Waves: per row or one for the file; rows without a label are in no wave (still in every month figure).
    wave_rows = run(con, "SELECT nullif(trim(wave), '') AS w, count(*) FROM ingest_typed GROUP BY 1 ORDER BY 1"
                    ).fetchall()
    wave_counts = {str(w): int(n) for w, n in wave_rows if w is not None}
    if wave_counts:
        summary["waves"] = wave_counts
        blank = sum(int(n) for w, n in wave_rows if w is None)
        if blank:
            warnings.append(problems.note("wave_blank_rows", n=blank, waves=", ".join(wave_counts)))
    unknown_modes = [m for m in modes if m not in F.SURVEY_MODES]
    if unknown_modes:
        warnings.append(problems.note("unknown_mode_label", labels=", ".join(unknown_modes),
                                      known=", ".join(F.SURVEY_MODES)))
    return survey_mode


def _case_checks(con: Connection, spec: dict[str, Any], summary: dict[str, Any]) -> None:
    if spec["options"].get("duplicates", "reject") == "keep_last":
        before = int(con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0])
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_typed AS SELECT * FROM ingest_typed "
                 "QUALIFY case_id IS NULL OR row_number() OVER (PARTITION BY case_id ORDER BY _row DESC) = 1")
        dropped = before - int(con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0])
        if dropped:
            summary["warnings"].append(problems.note("superseded_in_file", n=dropped))
        summary["superseded_in_file"] = dropped
    execute(con, "ingest/cases_check")
    stats = fetch_one(con, "ingest/cases_stats")
    summary.update(new_cases=stats["new_cases"], updated_cases=stats["updated_cases"],
                   reported=[str(stats["first_reported"]), str(stats["last_reported"])])
    # Labels no value map knows are kept (family 'other'), never rejected and never counted as solved or
    # unsolved: the summary lists them with their counts so a person can map them.
    unmapped: dict[str, dict[str, int]] = {}
    for name, label, n in run(con, load_sql("ingest/unmapped_labels")).fetchall():
        unmapped.setdefault(str(name), {})[str(label)] = int(n)
    summary["unmapped_labels"] = unmapped
    for name, labels in unmapped.items():
        listed = ", ".join(f"{label} ({n})" for label, n in list(labels.items())[:10])
        summary["warnings"].append(problems.note(f"unmapped_{name}", n=sum(labels.values()), labels=listed))


def _internal_checks(con: Connection, summary: dict[str, Any]) -> None:
    """Internal evaluation rows: a known measure, a month/quarter/year period, the numbers its kind needs within
    range (numerator <= denominator, a score within the measure's scale) and no row given twice."""
    execute(con, "ingest_internal/check")
    stats = fetch_one(con, "ingest_internal/stats")
    summary.update(measures=stats["measures"], periods=stats["periods"], officers=stats["officers"])


# --------------------------------------------------------------------------------------------
# Loading

# Bound when officer ids are stored as given: the hash expression is not evaluated, but its parameters must exist.
_NO_PADS = {"hmac_ipad": b"", "hmac_opad": b""}


def _failpoint(name: str) -> None:
    """Test hook: pause inside the load transaction so a test can kill the process there."""
    if os.environ.get(FAILPOINT_ENV) == name:
        print(f"failpoint {name} reached", file=sys.stderr, flush=True)
        time.sleep(120)


def _load(con: Connection, kind: str, src: SourceFile, plan: Plan, spec: dict[str, Any],
          summary: dict[str, Any], mapping_name: str | None, items: dict[str, definitions.Item],
          survey_mode: str | None, user: User) -> int:
    """Insert the checked rows as one batch, in one transaction with its audit entry and cell refresh."""
    rows = summary["rows_loaded"]
    with store.transaction(con):
        batch_id = int(con.execute(
            "INSERT INTO batches (kind, source_name, sha256, row_count, survey_mode, mapping_name, summary) "
            "VALUES ($kind, $name, $sha, $rows, $mode, $mapping, $summary) RETURNING batch_id",
            {"kind": kind, "name": src.name, "sha": src.sha256, "rows": rows, "mode": survey_mode,
             "mapping": mapping_name, "summary": json.dumps(summary, ensure_ascii=False, default=str)},
        ).fetchall()[0][0])
        summary["batch_id"] = batch_id
        if kind != "jurisdictions" and summary.get("created_jurisdictions"):
            execute(con, "ingest/create_jurisdictions", {"batch_id": batch_id, "parent": summary["created_under"]})
        if kind == "survey":
            for name in spec["items"]:
                definitions.save_item(con, items[name], user=user)
            execute(con, "ingest/survey_load", {"batch_id": batch_id,
                                                    "file_mode": spec["options"].get("survey_mode")})
            for raw in spec["indicators"]:
                definitions.save_indicator(con, _indicator(raw), user=user)
            if spec["options"].get("wave_order"):
                waves.save_wave_order(con, spec["options"]["wave_order"], user=user)
        elif kind == "cases":
            params: dict[str, Any] = {"batch_id": batch_id}
            keep = set(spec["options"].get("keep_existing") or [])
            for name in F.FIELDS["cases"]:
                params[f"given_{name}"] = plan.given(name)
                params[f"keep_{name}"] = name in keep
            params["given_reporter_hash"] = plan.given("reporter_hash")
            execute(con, "ingest/cases_load", params)
        elif kind == "internal":
            hash_ids = bool(spec["options"].get("hash_officer_id"))
            execute(con, "ingest_internal/load", {"batch_id": batch_id, "hash_officer_id": hash_ids,
                                                     **(pii.hmac_pads() if hash_ids else _NO_PADS)})
        elif kind in F.RECORD_KINDS:
            records.load(con, kind, batch_id, {name for name in F.targets_for(kind) if plan.given(name)})
        else:
            execute(con, "ingest/jurisdictions_load", {"batch_id": batch_id})
        given = sorted(name for name in F.targets_for(kind) if plan.given(name))
        if kind == "survey" and survey_mode is not None:
            given = sorted({*given, "mode"})
        execute(con, "ingest/batch_fields", {"batch_id": batch_id, "fields": given})
        store.audit(con, user.username, "batch.load", {"batch_id": batch_id, "kind": kind, "source_name": src.name,
                                               "rows": rows, "sha256": src.sha256, "mapping": mapping_name})
        store.bump_data_version(con)
        if spec["indicators"]:  # definitions may have changed: every cell may change
            refresh_cells(con)
        elif kind == "survey":
            refresh_cells(con, added_batch=batch_id)
        _failpoint("before_commit")
    return batch_id


def _indicator(raw: dict[str, Any]) -> definitions.Indicator:
    """An indicator definition from a mapping (labels default to the key).

    ``kind`` is 'rate' (default; scores in [0, 1]) or 'mean' (needs ``scale_min`` and ``scale_max``;
    without ``scoring`` every whole number from scale_min to scale_max scores its own value).
    """
    try:
        key = str(raw["key"])
        kind = str(raw.get("kind", "rate"))
        scale_min = float(raw.get("scale_min", 0.0))
        scale_max = float(raw.get("scale_max", 1.0))
        if kind == "mean" and "scoring" not in raw:
            if not (scale_min.is_integer() and scale_max.is_integer()):
                raise ValueError("a mean without a scoring map needs whole-number scale_min and scale_max")
            scoring = {str(v): float(v) for v in range(int(scale_min), int(scale_max) + 1)}
        else:
            scoring = {str(k): float(v) for k, v in raw["scoring"].items()}
        return definitions.Indicator(
            key=key, label_zh=str(raw.get("label_zh", key)), label_en=str(raw.get("label_en", key)),
            description_zh=str(raw.get("description_zh", "")), description_en=str(raw.get("description_en", "")),
            item=str(raw["item"]), scoring=scoring,
            dk_codes=[str(c) for c in raw.get("dk_codes", [definitions.DK_CODE])],
            sort_order=int(raw.get("sort_order", 100)), enabled=bool(raw.get("enabled", True)),
            kind=kind, scale_min=scale_min, scale_max=scale_max, unit=str(raw.get("unit", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"An indicator in the mapping is incomplete ({exc}); "
                          "it needs key, item and scoring (a mean: kind, scale_min and scale_max).") from exc


def check_indicators(spec: dict[str, Any]) -> None:
    """Raise ConfigError early when a mapping's indicator definitions are malformed."""
    for raw in spec.get("indicators") or []:
        _indicator(raw)


__all__ = ["IngestError", "IngestResult", "ingest_file", "propose_mapping", "upload_limit_mb"]
