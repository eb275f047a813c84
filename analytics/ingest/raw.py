"""The upload's rows: the staged file written to ``ingest_raw``, every data row numbered as in the file.

:func:`_scan_pii` judges which columns hold phone or ID-card numbers on the first rows of the staged file
(:mod:`analytics.ingest.reading` stages it); :func:`_materialize` then writes ``ingest_raw`` with only the
columns the plan keeps, personal ones hashed by DuckDB as they are read, and accounts for every data row: read,
blank, or rejected by the reader (each rejection a problem with its line number). Cells longer than the
``upload_max_cell_chars`` setting are problems too. Orchestrated by :mod:`analytics.ingest.pipeline`.
"""

from __future__ import annotations

import json

from analytics import store
from analytics.db import Connection, execute, execute_many, fetch_one, run
from analytics.errors import InputDataError
from analytics.ingest import pii, problems
from analytics.ingest.checks import RowAccountingError
from analytics.ingest.plan import Plan
from analytics.ingest.reading import (
    Layout,
    SourceFile,
    Staged,
    plain_line_count,
    xlsx_column_label,
)
from analytics.ingest.sqlrun import ident

PII_SAMPLE_ROWS = 10_000
# The PII scan reads at most this many cells (rows x columns): a wide file is judged on fewer rows, so the scan's
# cost stays bounded whatever the file's shape (500 rows of a 1,000-column file is still a fair sample).
PII_SAMPLE_CELLS = 500_000
PII_MIN_ROWS = 200


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
    # A text file's rows are numbered by their position among the records read, plus the lines above them;
    # _number_csv_rows turns positions into line numbers where the two differ. On several threads they are
    # numbered right after this pass (ingest/raw_number_rows), because row_number() OVER () keeps the pass on one
    # thread (1M rows of 20 columns: 7.6 s against 1.8 s on two); on one thread the window costs nothing extra,
    # while the added column holds ~130 MB more for a 3.9M-row upload (DuckDB keeps the ALTER's transaction data),
    # which the 1.5 GB bound of such uploads cannot spare.
    number_after = not staged.numbered and int(fetch_one(con, "ingest/threads_get")["threads"]) > 1
    if staged.numbered:
        numbered = "CAST(_row AS BIGINT) AS _row, "
    else:
        numbered = "" if number_after else "row_number() OVER () + $skip AS _row, "
    sql = ("CREATE OR REPLACE TEMP TABLE ingest_raw0 AS SELECT " + numbered
           + select + " FROM (" + staged.select_sql + ")")
    try:
        execute(con, "ingest/rejects_drop")
        run(con, sql, params)
    except InputDataError as exc:
        raise problems.file_error(src.name, "unreadable", "unreadable", {"error": str(exc)}) from exc
    if number_after:
        execute(con, "ingest/raw_number_rows", {"skip": staged.skip})
    reader_rejected = 0
    if staged.numbered:
        execute(con, "ingest/raw_from_xlsx")
        _xlsx_problems(con, staged, layout)
    else:
        reader_rejected = _number_csv_rows(con, staged, layout, warnings)
    execute(con, "ingest/raw0_drop")
    execute(con, "ingest/long_cell_problems", {"max_cell": params["max_cell"], "headers": layout.headers})
    counts = fetch_one(con, "ingest/raw_counts")
    blank_rows = int(counts["blank"]) + staged.blank_rows
    rows = int(counts["data"])
    execute(con, "ingest/raw_drop_blank")
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


# The person key: HMAC of the normalised identifier ('phone:138...', 'id:1101...', 'text:...').
HASH_EXPR = pii.HASH_SQL.replace("TEXT", "jm_person_text(COL)")


def _number_csv_rows(con: Connection, staged: Staged, layout: Layout, warnings: list[str]) -> int:
    """Give every staged CSV row its line number in the file; record rows DuckDB rejected.

    Returns how many data rows DuckDB rejected (each reported as a problem, none in ``ingest_raw``).
    """
    counts = fetch_one(con, "ingest/raw0_counts")
    n_rows, n_rejects = counts["n_rows"], counts["n_rejects"]
    if n_rejects == 0 and plain_line_count(staged.params["path"]) == n_rows + staged.skip:
        # One record per line, none skipped (see plain_line_count): the row's position is its line.
        execute(con, "ingest/raw_number_by_position", {"skip": staged.skip})
        return 0
    try:
        execute(con, "ingest/line_flags", {"path": staged.params["path"], "delim": layout.delimiter or ","})
        scanned = True
    except InputDataError:
        # DuckDB's line scan splits a multi-byte character after a lone CR in a CRLF file (a quoted value such as
        # "x\r张"), which the row reader reads fine (found by the ingest fuzz test): number records instead.
        scanned = False
        execute(con, "ingest/lines_from_rejects")
    # DuckDB skips blank lines when there are several columns but returns them as rows of one column.
    execute(con, "ingest/linemap", {"skip": staged.skip, "single": layout.ncols == 1})
    counts = fetch_one(con, "ingest/linemap_counts")
    n_rows, n_lines = counts["n_rows"], counts["n_lines"]
    if scanned and n_rows == n_lines:
        execute(con, "ingest/raw_from_linemap", {"skip": staged.skip})
    else:
        # A quoted value spanning several lines: lines and rows no longer pair up one to one.
        warnings.append(problems.note("multiline_values"))
        execute(con, "ingest/raw_from_position", {"skip": staged.skip})
    execute(con, "ingest/reader_problems", {"width": layout.ncols})
    rejected = int(fetch_one(con, "ingest/reader_rejected_count")["n"])
    if scanned and n_rows == n_lines:
        # Lines and records pair one to one: every non-blank data line is a row read or a row rejected.
        accounted = fetch_one(con, "ingest/line_accounting", {"skip": staged.skip})
        lines, read = int(accounted["lines"]), int(accounted["read"])
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
    execute_many(con, "ingest/problem_insert_rows", found)
