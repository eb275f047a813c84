"""Reading uploaded files: detect their format, encoding, delimiter and header row, and stage them.

Only a sample (the first 256 KB, or the first rows of a sheet) is read in Python, to detect the
layout and to show a preview. The file itself is read by DuckDB's ``read_csv`` with every value
as text; files in an encoding DuckDB cannot read (GB18030/GBK, UTF-16) are first transcoded to a
temporary UTF-8 file in 1 MB chunks, and ``.xlsx`` sheets are streamed by the bounded reader of
:mod:`analytics.ingest.workbook` straight into a DuckDB TEMP table in Arrow batches (no temporary
file), each row with its sheet row number.

Copies of an upload (an uploaded text file's bytes, a transcoded copy) hold its personal columns in
clear, so they never touch the disk: they are in-memory files (:func:`analytics.tempfiles.memory_file`)
that DuckDB reads by path, freed when the upload's work ends.

Staged columns are named ``c0, c1, ...``; the header text from the file is kept only as data, so
no identifier in any SQL statement ever comes from a file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import pyarrow as pa

from analytics import tempfiles
from analytics.db import Connection, execute, run
from analytics.errors import ConfigError, IngestError
from analytics.ingest.problems import file_error
from analytics.ingest.workbook import (
    BadWorkbook,
    SheetRow,
    Workbook,
    WorkbookLimitError,
    WorkbookLimits,
    column_letters,
)
from analytics.ingest.workbook import (
    cell_text as cell_text,  # re-exported: the text a workbook cell becomes
)

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1024 * 1024
PREVIEW_ROWS = 20
DETECT_ROWS = 50
DELIMITERS = (",", ";", "\t", "|")
UNUSABLE_DELIMITERS = ('"', "\r", "\n")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Encodings DuckDB reads itself; everything else is transcoded to UTF-8 first.
NATIVE_ENCODINGS = {"utf-8", "utf-8-sig"}
# Chinese national encodings: a file in one of them is checked for lines written in UTF-8 (mixed_encoding_lines).
CJK_ENCODINGS = {"gb18030", "gbk", "gb2312"}
# A line is taken for UTF-8 in a GB18030 file only if decoding it as UTF-8 gives more of these 3,755 common
# characters (GB2312 level 1) than decoding it as GB18030: a GBK line can be valid UTF-8 by chance ('录' is the
# bytes C2 BC, '¼' in UTF-8), but then its UTF-8 reading is not common Chinese.
COMMON_HANZI = frozenset(bytes((lead, trail)).decode("gb2312") for lead in range(0xB0, 0xD8)
                         for trail in range(0xA1, 0xFF) if lead < 0xD7 or trail < 0xFA)
MIXED_CANDIDATES_CAP = 10_000
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GB18030 (GBK)",
                   "utf-16": "UTF-16 with BOM", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE"}


ZIP_MAGIC = b"PK\x03\x04"
# Rows of a workbook sent to DuckDB at once, and the text that closes a batch early (bounds memory).
ARROW_BATCH_ROWS = 20_000
ARROW_BATCH_CHARS = 32 * 1_048_576


@dataclass
class SourceFile:
    """The uploaded file as DuckDB will read it, with its identity (name, size, sha256).

    ``path`` is the file as DuckDB reads it: the user's file on disk, an in-memory copy of uploaded
    bytes (a ``/proc/self/fd/N`` path), or None for an uploaded workbook, which is read from ``data``.
    ``temp_dir`` is the private directory (0700) that owns this upload's temporary files.
    """

    path: Path | None
    name: str
    size: int
    sha256: str
    temp_dir: Path
    data: bytes | None = None

    def temp_path(self, suffix: str) -> Path:
        """A new empty in-memory file (never on disk: it may hold personal data), freed with this source."""
        return tempfiles.memory_file(self.temp_dir, suffix)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes."""
        if self.data is not None:
            return bytes(self.data[:size])
        assert self.path is not None
        with self.path.open("rb") as fh:
            return fh.read(size)

    def workbook_source(self) -> Path | bytes:
        """What the workbook reader opens: the bytes in memory, else the file."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path


@dataclass
class Layout:
    """How a file is laid out: format, encoding, delimiter, header row, columns and a preview."""

    format: str                      # "csv" or "xlsx"
    encoding: str | None             # codec used to read the file (None for xlsx)
    encoding_detected: str | None    # what detection found (may differ when overridden)
    delimiter: str | None
    header_row: int                  # 1-based line (CSV) or sheet row (xlsx) of the header
    headers: list[str]               # one unique, non-empty label per column
    sheet: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)

    @property
    def ncols(self) -> int:
        """Number of columns (the header's width)."""
        return len(self.headers)

    def describe(self) -> dict[str, object]:
        """The layout as shown to the user and stored in the batch summary."""
        return {
            "format": self.format,
            "encoding": ENCODING_LABELS.get(self.encoding or "", self.encoding),
            "encoding_detected": ENCODING_LABELS.get(self.encoding_detected or "", self.encoding_detected),
            "delimiter": DELIMITER_NAMES.get(self.delimiter or "", self.delimiter),
            "header_row": self.header_row,
            "sheet": self.sheet,
        }


@contextmanager
def open_source(source: str | os.PathLike[str] | bytes, source_name: str | None,
                max_bytes: int, *, temp_root: Path | None = None, digest: bool = True) -> Iterator[SourceFile]:
    """Yield the upload as a :class:`SourceFile`, checking its size; its temporary files go in a new
    private directory under ``temp_root`` (see :mod:`analytics.tempfiles`; None: the per-user
    fallback for a database without a folder), removed when the block ends however it ends.

    Uploaded bytes of a workbook stay in memory; uploaded bytes of a text file are copied into an
    in-memory file (:func:`analytics.tempfiles.memory_file`), since DuckDB's CSV reader reads files by
    path: nothing of the upload is written to disk. ``digest=False`` skips the
    sha256 of the whole file (a proposal only reads a sample).
    """
    with tempfiles.private_dir(temp_root or tempfiles.temp_root(None)) as temp_dir:
        data: bytes | None = None
        if isinstance(source, bytes | bytearray):
            name = source_name or "upload"
            _check_size(len(source), max_bytes, name)
            if bytes(source[:4]) == ZIP_MAGIC:
                data, path = bytes(source), None
            else:
                path = tempfiles.memory_file(temp_dir, Path(name).suffix[:16], bytes(source))
        else:
            path = Path(source).expanduser()
            name = source_name or path.name
            if not path.is_file():
                raise ConfigError(f"No file at {path}.")
        size = len(data) if data is not None else path.stat().st_size  # type: ignore[union-attr]
        _check_size(size, max_bytes, name)
        sha = hashlib.sha256()
        if digest and data is not None:
            sha.update(data)
        elif digest and path is not None:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK_BYTES):
                    sha.update(chunk)
        yield SourceFile(path, name, size, sha.hexdigest() if digest else "", temp_dir, data)


def _check_size(size: int, max_bytes: int, name: str) -> None:
    if size > max_bytes:
        raise file_error(name, "too_large", "too_large",
                         {"size_mb": f"{size / 1_048_576:.1f}", "limit_mb": f"{max_bytes / 1_048_576:.0f}"})


# --------------------------------------------------------------------------------------------
# Detection


def detect(src: SourceFile, *, encoding: str | None = None, delimiter: str | None = None,
           header_row: int | None = None, sheet: str | None = None,
           limits: WorkbookLimits | None = None) -> Layout:
    """Work out the file's layout from a sample; the keyword arguments override what is detected.

    ``limits`` bound the work on a workbook (default: :class:`WorkbookLimits`' defaults).
    """
    head = src.head(SAMPLE_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise file_error(src.name, "empty_file", "empty_file")
    if head.startswith(ZIP_MAGIC):
        return _detect_xlsx(src, header_row=header_row, sheet=sheet, limits=limits or WorkbookLimits())
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(src.name, "old_excel", "old_excel")
    detected = _detect_encoding(head, src.name)
    chosen = _check_encoding_name(encoding) if encoding else detected
    text = _sample_text(head, chosen, src.name, truncated=src.size > len(head))
    if _looks_binary(text):
        raise file_error(src.name, "not_text", "binary")
    lines = text.splitlines()
    if src.size > len(head) and lines:
        lines = lines[:-1]  # the last sampled line may be cut off
    if not lines and src.size > len(head):
        # Not one whole line in the sample: a header of tens of thousands of columns (or one enormous cell).
        raise file_error(src.name, "too_many_columns", "first_line_too_long", {"kb": SAMPLE_BYTES // 1024})
    delim = delimiter or _detect_delimiter(lines)
    # One character, and not the quote or a line break: DuckDB refuses a delimiter equal to the quote, and a
    # line break cannot separate fields (found by the ingest fuzz test).
    if len(delim) != 1 or delim in UNUSABLE_DELIMITERS:
        raise ConfigError(f"The delimiter must be one character such as , ; | or a tab, not {delim!r}.")
    rows = _parse_rows(lines, delim)
    header_line = header_row or _detect_header(rows)
    header_cells = next((cells for line_no, cells in rows if line_no == header_line), None)
    if header_cells is None:
        raise file_error(src.name, "empty_file", "no_header")
    preview = [cells for line_no, cells in rows if line_no > header_line and any(c.strip() for c in cells)]
    return Layout("csv", chosen, detected, delim, header_line, unique_headers(header_cells),
                  preview=preview[:PREVIEW_ROWS])


def _sample_text(head: bytes, encoding: str, name: str, *, truncated: bool) -> str:
    """The sample decoded; a GB18030 sample whose lines each are UTF-8 or GB18030 is decoded line by line, so that
    the layout can be found and the whole-file check (:func:`mixed_encoding_lines`) can name the lines."""
    try:
        return _decode_sample(head, encoding, name, truncated=truncated)
    except IngestError:
        mixed = _mixed_sample(head, truncated=truncated) if encoding in CJK_ENCODINGS else None
        if mixed is None:
            raise
        return mixed


def _mixed_sample(head: bytes, *, truncated: bool) -> str | None:
    """The sample decoded line by line when every line is UTF-8 or GB18030 and both kinds hold Chinese."""
    lines = head.split(b"\n")
    parts: list[str] = []
    kinds: set[str] = set()
    for number, line in enumerate(lines, start=1):
        try:
            parts.append(line.decode("utf-8"))
            kinds.add("ascii" if line.isascii() else "utf-8")
        except UnicodeDecodeError:
            try:
                parts.append(line.decode("gb18030"))
                kinds.add("gb18030")
            except UnicodeDecodeError:
                if truncated and number == len(lines):
                    break  # the sample cut the last line
                return None
    return "\n".join(parts) if {"utf-8", "gb18030"} <= kinds else None


def _check_encoding_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise ConfigError(f"Unknown encoding {name!r}; use e.g. utf-8, gb18030, utf-16.") from exc


def _detect_encoding(head: bytes, name: str) -> str:
    """BOM first; then strict UTF-8; then GB18030; then charset-normalizer's best guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        # UTF-16 without a BOM puts a zero byte beside every ASCII character.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) / 4 and even < odd / 10:
            return "utf-16-le"
        if even > len(head) / 4 and odd < even / 10:
            return "utf-16-be"
        raise file_error(name, "not_text", "binary")
    for candidate in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(candidate)().decode(head, final=False)
            return candidate
        except UnicodeDecodeError:
            continue
    if _mixed_sample(head, truncated=True) is not None:
        return "gb18030"  # lines of both: the whole-file check names the UTF-8 ones
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        raise file_error(name, "not_text", "no_encoding")
    return codecs.lookup(best.encoding).name


def _decode_sample(head: bytes, encoding: str, name: str, *, truncated: bool) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=not truncated)
    except UnicodeError as exc:  # also the plain UnicodeError of 'utf-16' without a BOM (found by the fuzz test)
        start = getattr(exc, "start", 0)
        line = head[:start].count(b"\n") + 1
        raise file_error(name, "bad_encoding", "bad_encoding",
                         {"encoding": ENCODING_LABELS.get(encoding, encoding), "byte": start,
                          "line": line}) from exc


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f\v")
    return controls > max(2, len(sample) // 200)


def _parse_rows(lines: list[str], delim: str) -> list[tuple[int, list[str]]]:
    """Parse sample lines into (line number where the record starts, cells); blank lines are kept."""
    reader = csv.reader(io.StringIO("\n".join(lines[: DETECT_ROWS * 4])), delimiter=delim, quotechar='"')
    rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error:
        pass  # a broken quote in the sample: the staging step reports it with its line number
    return rows


def _detect_delimiter(lines: list[str]) -> str:
    """The candidate giving the most rows with the same number (> 1) of fields."""
    sample = [line for line in lines[:DETECT_ROWS] if line.strip()]
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        widths = [len(cells) for _line, cells in _parse_rows(sample, delim)]
        width, freq = Counter(widths).most_common(1)[0] if widths else (1, 0)
        score = (freq if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _detect_header(rows: list[tuple[int, list[str]]]) -> int:
    """The first row as wide as the data with most cells filled (skips title rows and blank rows)."""
    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        return 1
    width = Counter(len(cells) for _line, cells in filled[:DETECT_ROWS]).most_common(1)[0][0]
    need = max(1, math.ceil(0.6 * width))
    for line, cells in filled:
        if len(cells) == width and sum(1 for c in cells if c.strip()) >= need:
            return line
    return filled[0][0]


def unique_headers(cells: list[str]) -> list[str]:
    """Header labels made non-empty and unique: blank -> '(column 3)', repeats -> 'name (2)'."""
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, cell in enumerate(cells, start=1):
        label = cell.replace("\ufeff", "").strip() or f"(column {i})"
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


# --------------------------------------------------------------------------------------------
# xlsx


@contextmanager
def _workbook(src: SourceFile, limits: WorkbookLimits) -> Iterator[Workbook]:
    """The workbook open for bounded reading; its limits and format errors become file-level errors."""
    try:
        with Workbook(src.workbook_source(), limits) as wb:
            yield wb
    except WorkbookLimitError as exc:
        raise file_error(src.name, "too_large", exc.key, exc.params) from exc
    except BadWorkbook as exc:
        raise file_error(src.name, "not_text", "bad_zip") from exc


def _pick_sheet(wb: Workbook, sheet: str | None, name: str) -> str:
    if sheet is None:
        return wb.sheet_names[0]
    if sheet not in wb.sheets:
        raise file_error(name, "unknown_sheet", "unknown_sheet", {"sheet": sheet, "sheets": ", ".join(wb.sheet_names)})
    return sheet


def _detect_xlsx(src: SourceFile, *, header_row: int | None, sheet: str | None, limits: WorkbookLimits) -> Layout:
    rows: list[tuple[int, list[str]]] = []
    with _workbook(src, limits) as wb:
        chosen = _pick_sheet(wb, sheet, src.name)
        sheet_names = wb.sheet_names
        for row in wb.rows(chosen):
            if row.number > DETECT_ROWS * 2:
                break
            rows.append((row.number, _trim_row(row.values())))
    if not rows:
        raise file_error(src.name, "empty_file", "empty_sheet", {"sheet": chosen})
    header_line = header_row or _detect_header(rows)
    header_cells = next((cells for n, cells in rows if n == header_line), [])
    preview = [cells for n, cells in rows if n > header_line and any(c.strip() for c in cells)]
    return Layout("xlsx", None, None, None, header_line, unique_headers(header_cells), sheet=chosen,
                  sheet_names=sheet_names, preview=preview[:PREVIEW_ROWS])


def _trim_row(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


# --------------------------------------------------------------------------------------------
# Staging


@dataclass
class Staged:
    """What staging produced: the source relation's SQL and how to number its rows."""

    select_sql: str                 # SELECT over read_csv (CSV) or the staged table (xlsx) yielding c0..cN
    params: dict[str, object]
    numbered: bool                  # True when the source carries its own _row column
    skip: int                       # lines before the first data line (CSV)
    xlsx_extra: list[tuple[int, int]] = field(default_factory=list)  # (row, cells) with too many cells
    # (row, 0-based column, length in characters) of cells too long to read; their rows are staged without them
    xlsx_too_long: list[tuple[int, int, int]] = field(default_factory=list)
    blank_rows: int = 0
    rows_in_file: int | None = None  # data rows the workbook reader counted (None for CSV)


def column_names(ncols: int) -> list[str]:
    """The safe staging names c0..c{n-1}."""
    return [f"c{i}" for i in range(ncols)]


def _read_csv_sql(ncols: int, *, numbered: bool) -> str:
    # Identifiers here are generated (c0, c1, ...), never taken from the file.
    names = (["_row"] if numbered else []) + column_names(ncols)
    struct = ", ".join(f"'{name}': 'VARCHAR'" for name in names)
    return (
        "SELECT * FROM read_csv($path, delim = $delim, quote = '\"', escape = '\"', header = false, "
        "skip = $skip, all_varchar = true, auto_detect = false, strict_mode = true, "
        "store_rejects = true, rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans', "
        "columns = {" + struct + "})"
    )


def stage(con: Connection, src: SourceFile, layout: Layout,
          limits: WorkbookLimits | None = None) -> Staged:
    """Prepare the file for DuckDB (transcode a text file, stream a workbook) and return the read SQL."""
    if layout.format == "xlsx":
        return _stage_xlsx(con, src, layout, limits or WorkbookLimits())
    assert src.path is not None  # only workbooks stay in memory
    path = src.path
    if layout.encoding not in NATIVE_ENCODINGS:
        path = _transcode(src, layout.encoding or "utf-8")
    return Staged(_read_csv_sql(layout.ncols, numbered=False),
                  {"path": str(path), "delim": layout.delimiter, "skip": layout.header_row},
                  numbered=False, skip=layout.header_row)


def _transcode(src: SourceFile, encoding: str) -> Path:
    """Stream the file into a UTF-8 copy held in memory (it holds the personal columns in clear); a byte that
    does not decode rejects the file. The copy is at most 1.5 times the file (2 GBK bytes become 3)."""
    out_path = src.temp_path(".csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    line = 1
    with src.path.open("rb") as fh, out_path.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeError as exc:  # UnicodeDecodeError, or 'utf-16' without a BOM
                start = max(getattr(exc, "start", 0), 0)
                bad_line = line + chunk[:start].count(b"\n")
                raise file_error(src.name, "bad_encoding", "bad_encoding_near",
                                 {"encoding": ENCODING_LABELS.get(encoding, encoding),
                                  "byte": offset + start, "line": bad_line}) from exc
            out.write(text.lstrip("\ufeff") if offset == 0 else text)
            offset += len(chunk)
            line += chunk.count(b"\n")
            if not chunk:
                break
    return out_path


@dataclass
class MixedLines:
    """What :func:`mixed_encoding_lines` found: the UTF-8 lines of a GB18030 file, and its GB18030 lines."""

    utf8_lines: list[int]
    gb_lines: int
    first_gb_line: int | None


# A line (without its newline) holding a CJK character and no byte invalid as UTF-8 (surrogate escapes), or one
# holding such a byte; matched on text decoded with 'surrogateescape', in C.
_UTF8_CJK_LINE = re.compile("^[^\n\udc80-\udcff]*[\u4e00-\u9fff][^\n\udc80-\udcff]*$", re.M)
_NOT_UTF8_LINE = re.compile("^[^\n\udc80-\udcff]*[\udc80-\udcff]", re.M)


def mixed_encoding_lines(path: str | os.PathLike[str]) -> MixedLines:
    """The lines of a GB18030 (GBK) file that are written in UTF-8, read in 1 MB chunks of whole lines.

    Decided per line: a line not valid as UTF-8 is GB18030; a line valid as UTF-8 that holds Chinese is UTF-8 when
    its UTF-8 reading has more common characters (COMMON_HANZI) than its GB18030 reading. Lines are matched by
    regular expressions running in C; only UTF-8-looking lines (rare in a GBK file) are judged one by one, the
    first MIXED_CANDIDATES_CAP of them.
    """
    utf8_lines: list[int] = []
    gb_lines = 0
    first_gb: int | None = None
    candidates = 0
    line = 1  # number of the first line of the current block
    rest = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            block = rest + chunk
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            block, rest = block[:cut], block[cut:]
            text = block.decode("utf-8", "surrogateescape")
            bad = _NOT_UTF8_LINE.findall(text)
            if bad and first_gb is None:
                first_gb = line + text.count("\n", 0, _NOT_UTF8_LINE.search(text).start())  # type: ignore[union-attr]
            gb_lines += len(bad)
            for match in _UTF8_CJK_LINE.finditer(text):
                if candidates >= MIXED_CANDIDATES_CAP:
                    break
                candidates += 1
                number = line + text.count("\n", 0, match.start())
                if _reads_as_utf8(match.group().encode("utf-8", "surrogateescape")):
                    utf8_lines.append(number)
                else:
                    gb_lines += 1
                    first_gb = number if first_gb is None or number < first_gb else first_gb
            line += block.count(b"\n")
            if not chunk:
                break
    return MixedLines(utf8_lines, gb_lines, first_gb)


def _reads_as_utf8(raw: bytes) -> bool:
    as_utf8 = raw.decode("utf-8")
    as_gb = raw.decode("gb18030", "replace")
    return sum(ch in COMMON_HANZI for ch in as_utf8) > sum(ch in COMMON_HANZI for ch in as_gb)


XLSX_TABLE = "ingest_xlsx"


def _stage_xlsx(con: Connection, src: SourceFile, layout: Layout, limits: WorkbookLimits) -> Staged:
    """Stream the sheet's data rows into the TEMP table ``ingest_xlsx`` (``_row`` + c0..cN, text).

    Arrow batches go straight from the reader to DuckDB: the sheet never becomes a file. A blank row
    is only counted; cells beyond the header are cut off and reported; a cell too long to read is
    staged as '' and reported with its row, column and length.
    """
    width = layout.ncols
    names = column_names(width)
    schema = pa.schema([("_row", pa.int64()), *[(n, pa.string()) for n in names]])
    run_ddl = "CREATE OR REPLACE TEMP TABLE " + XLSX_TABLE + " (_row BIGINT, " + ", ".join(
        n + " VARCHAR" for n in names) + ")"  # generated names c0, c1, ... only
    run(con, run_ddl, what="creating the table for a workbook's rows")
    extra: list[tuple[int, int]] = []
    too_long: list[tuple[int, int, int]] = []
    batch: list[SheetRow] = []
    chars = 0
    rows_in_file = 0
    last_row = layout.header_row

    def flush() -> None:
        columns = [pa.array([r.number for r in batch], pa.int64())]
        columns += [pa.array([r.cells.get(i, "") for r in batch], pa.string()) for i in range(width)]
        con.register("ingest_xlsx_batch", pa.Table.from_arrays(columns, schema=schema))
        try:
            execute(con, "ingest/xlsx_append")
        finally:
            con.unregister("ingest_xlsx_batch")
        batch.clear()

    with _workbook(src, limits) as wb:
        for row in wb.rows(layout.sheet or wb.sheet_names[0], first_row=layout.header_row + 1):
            filled = [c for c, text in row.cells.items() if text.strip()]
            if row.too_long:
                too_long.extend((row.number, col, length) for col, length in row.too_long)
            elif not filled:
                continue
            rows_in_file += 1
            last_row = row.number
            if filled and max(filled) >= width:
                extra.append((row.number, len(_trim_row(row.values()))))
            batch.append(row)
            chars += sum(len(t) for t in row.cells.values())
            if len(batch) >= ARROW_BATCH_ROWS or chars >= ARROW_BATCH_CHARS:
                flush()
                chars = 0
    if batch:
        flush()
    # Blank rows: those between the header and the last data row (empty rows after it are not the sheet's).
    return Staged("SELECT * FROM " + XLSX_TABLE, {}, numbered=True, skip=0, xlsx_extra=extra,
                  xlsx_too_long=too_long, blank_rows=last_row - layout.header_row - rows_in_file,
                  rows_in_file=rows_in_file)


def xlsx_column_label(layout: Layout, col: int) -> str:
    """The header of a 0-based sheet column, or its letter when it lies beyond the header."""
    return layout.headers[col] if col < layout.ncols else column_letters(col)


# The last file counted, by (path, device, inode, size, modification time): an upload's line count is asked for
# twice (analytics.ingest.pipeline.load_threads before staging, raw._number_csv_rows after), 0.4 s each at 190 MB.
_LINE_COUNT_CACHE: dict[tuple[str, int, int, int, int], int | None] = {}


def plain_line_count(path: str | os.PathLike[str]) -> int | None:
    """The number of lines of a file, or None when it has a carriage return outside a CRLF pair (the last file's
    count is remembered until the file changes).

    Used to number CSV records without scanning the file a second time in DuckDB
    (``sql/ingest/line_flags.sql``): when line ends are only LF or CRLF, every record ends at a line end,
    so a reader never returns more records than lines, and each blank line skipped or value spanning
    lines makes it return fewer. A reader that rejected nothing and returned exactly as many records
    as there are lines after the header therefore returned one per line, in order: a record's line
    number is its position. A lone CR (which a reader may take for a line end) voids the argument.
    Counted in C over 4 MB blocks (about 0.3 s for 180 MB); a last line without a newline counts.
    """
    st = os.stat(path)
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _LINE_COUNT_CACHE.get(key, -1)
    if cached != -1:
        return cached
    lines = _count_plain_lines(path)
    # Replaced, not grown: sessions of the dashboard may count at once, and each returns its own count.
    _LINE_COUNT_CACHE.clear()
    _LINE_COUNT_CACHE[key] = lines
    return lines


def _count_plain_lines(path: str | os.PathLike[str]) -> int | None:
    lines = 0
    last = b""
    pending_cr = False  # the previous block ended in a CR: its LF, if any, starts this block
    with open(path, "rb") as fh:
        while block := fh.read(4 * CHUNK_BYTES):
            if pending_cr and not block.startswith(b"\n"):
                return None
            pending_cr = block.endswith(b"\r")
            if block.count(b"\r") - block.count(b"\r\n") - pending_cr:
                return None
            lines += block.count(b"\n")
            last = block[-1:]
    if pending_cr:
        return None
    return lines + (1 if last and last != b"\n" else 0)

