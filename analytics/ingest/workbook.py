"""A bounded streaming reader for ``.xlsx`` workbooks.

A workbook is a zip of XML parts, and a small upload can expand enormously: a 1.2 MB file whose
sheet XML is 1.2 GB, a shared string of 200 MB, a cell in column XFD that makes a row-padding
reader build 16,384 values per row, or a million empty ``<row>`` elements. So this reader does
the work itself with expat over the decompressed stream and checks every limit *while* streaming,
before anything is kept:

* the bytes actually decompressed from every part read, against ``workbook_max_mb`` (the sizes a
  zip header declares are checked first to refuse early, but never trusted: a lying header is
  caught by the count);
* the number of ``<c>`` cell elements (``workbook_max_cells``), empty ones included since each costs
  parsing time;
* the column of any filled cell (``workbook_max_columns``) and the number of data rows
  (``workbook_max_rows``);
* the length of every cell's text (``workbook_max_cell_chars``, Excel's own limit by default): text
  beyond it is counted, not kept, and the cell is reported as a problem of its row and column.

Only cells present in the XML are visited; gaps between rows and columns cost nothing (no padding),
and a row with no value is only counted. Values are rendered as text the way a CSV export would
show them (:func:`cell_text`), using the workbook's number formats to recognise dates as openpyxl
does.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

READ_CHUNK = 1024 * 1024
EXCEL_MAX_ROW = 1_048_576
_REL_NS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d*)")


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds on the work one workbook may cause (see analytics.store.DEFAULT_SETTINGS for each)."""

    max_bytes: int = 500 * 1_048_576   # decompressed bytes of all parts read, in bytes
    max_cells: int = 5_000_000         # <c> elements in the sheet, empty ones included
    max_columns: int = 2_000           # highest column number holding a value
    max_cell_chars: int = 32_767       # characters of one cell's text (Excel's own limit)
    max_rows: int = EXCEL_MAX_ROW      # data rows (rows with a value)


class WorkbookLimitError(Exception):
    """A workbook exceeds a limit; ``key`` names the message and ``params`` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class BadWorkbook(Exception):
    """The zip is not a readable workbook (a missing part, malformed XML)."""


@dataclass
class SheetRow:
    """One sheet row that holds a value: its number, its cells (0-based column -> text) and the
    cells whose text was too long (column, length in characters), which are left out of ``cells``."""

    number: int
    cells: dict[int, str]
    too_long: list[tuple[int, int]] = field(default_factory=list)

    def values(self) -> list[str]:
        """The cells as a list from column A to the last filled one (gaps as '')."""
        if not self.cells:
            return []
        out = [""] * (max(self.cells) + 1)
        for col, text in self.cells.items():
            out[col] = text
        return out


def column_index(letters: str) -> int:
    """0-based column number of Excel column letters ('A' -> 0, 'AA' -> 26)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


def column_letters(index: int) -> str:
    """Excel column letters of a 0-based column number."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would show (dates ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    # expat with namespace_separator=" " gives "uri local"; writers differ in prefixes, not local names.
    # Cached: a sheet has a handful of distinct tags and millions of elements.
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = _LOCAL_NAMES.setdefault(name, name.rpartition(" ")[2]) if len(_LOCAL_NAMES) < 1000 \
            else name.rpartition(" ")[2]
    return local


class Workbook:
    """An open workbook: its sheet names, and a row stream per sheet, all within ``limits``.

    ``source`` is a path or the upload's bytes (read from memory: an uploaded workbook never needs
    to touch disk).
    """

    def __init__(self, source: Path | bytes, limits: WorkbookLimits) -> None:
        self.limits = limits
        self._read = 0
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BadWorkbook(str(exc)) from exc
        declared = sum(info.file_size for info in self._zip.infolist())
        if declared > limits.max_bytes * 4:
            # The whole archive claims far more than could ever be read: refuse without reading. The
            # parts actually read are counted as they stream, whatever the header says.
            raise WorkbookLimitError("workbook_too_large", size_mb=_mb(declared), limit_mb=_mb(limits.max_bytes))
        book_path = self._office_document()
        self._rels = self._relationships(book_path)
        self.sheets: dict[str, str] = {}
        self._epoch = CALENDAR_WINDOWS_1900
        self._parse_all(book_path, self._book_handler)
        if not self.sheets:
            raise BadWorkbook("no worksheets")
        self._date_styles: set[int] = set()
        self._delta_styles: set[int] = set()
        styles = self._rels_by_type("styles")
        if styles:
            self._read_styles(styles)
        self._strings: list[str | int] = []
        strings = self._rels_by_type("sharedStrings")
        if strings:
            self._read_strings(strings)

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        """The worksheet names in workbook order."""
        return list(self.sheets)

    # -- reading parts within the byte budget

    def _chunks(self, name: str) -> Iterator[bytes]:
        try:
            info = self._zip.getinfo(name)
        except KeyError as exc:
            raise BadWorkbook(f"missing part {name}") from exc
        if self._read + info.file_size > self.limits.max_bytes:
            raise WorkbookLimitError("workbook_too_large", size_mb=_mb(self._read + info.file_size),
                                     limit_mb=_mb(self.limits.max_bytes))
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(READ_CHUNK):
                    self._read += len(chunk)
                    if self._read > self.limits.max_bytes:
                        raise WorkbookLimitError("workbook_too_large", size_mb=f"> {_mb(self.limits.max_bytes)}",
                                                 limit_mb=_mb(self.limits.max_bytes))
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise BadWorkbook(f"{name}: {exc}") from exc

    def _parse(self, name: str, setup: Callable[[Any], Callable[[], Iterator[Any]] | None]) -> Iterator[Any]:
        """Feed part ``name`` to an expat parser that ``setup`` configures; yield what it produces."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = 65536
        drain = setup(parser)
        try:
            for chunk in self._chunks(name):
                parser.Parse(chunk, False)
                if drain is not None:
                    yield from drain()
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise BadWorkbook(f"{name}: {exc}") from exc
        if drain is not None:
            yield from drain()

    def _parse_all(self, name: str, setup: Callable[[Any], None]) -> None:
        for _ in self._parse(name, setup):
            pass

    def _office_document(self) -> str:
        targets: list[str] = []

        def setup(parser: Any) -> None:
            def start(tag: str, attrs: dict[str, str]) -> None:
                if _local(tag) == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                    targets.append(attrs.get("Target", ""))
            parser.StartElementHandler = start

        if "_rels/.rels" in self._zip.namelist():
            self._parse_all("_rels/.rels", setup)
        return targets[0].lstrip("/") if targets else "xl/workbook.xml"

    def _relationships(self, book_path: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(book_path)
        rels_path = posixpath.join(folder, "_rels", base + ".rels")
        found: dict[str, tuple[str, str]] = {}

        def setup(parser: Any) -> None:
            def start(tag: str, attrs: dict[str, str]) -> None:
                if _local(tag) == "Relationship":
                    target = attrs.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                        posixpath.join(folder, target))
                    found[attrs.get("Id", "")] = (attrs.get("Type", ""), path)
            parser.StartElementHandler = start

        if rels_path in self._zip.namelist():
            self._parse_all(rels_path, setup)
        return found

    def _rels_by_type(self, kind: str) -> str | None:
        for rel_type, path in self._rels.values():
            if rel_type == _REL_NS_TYPE + kind or rel_type.endswith("/" + kind):
                return path
        return None

    def _book_handler(self, parser: Any) -> None:
        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "sheet":
                rel_id = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                rel = self._rels.get(rel_id)
                if rel and rel[0].endswith("/worksheet"):
                    self.sheets[attrs.get("name", "")] = rel[1]
            elif local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self._epoch = CALENDAR_MAC_1904
        parser.StartElementHandler = start

    def _read_styles(self, name: str) -> None:
        custom: dict[int, str] = {}
        xfs: list[int] = []
        where: list[str] = []

        def setup(parser: Any) -> None:
            def start(tag: str, attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "numFmt":
                    custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
                elif local == "cellXfs":
                    where.append("xfs")
                elif local == "xf" and where == ["xfs"]:
                    xfs.append(int(attrs.get("numFmtId", "0")))

            def end(tag: str) -> None:
                if _local(tag) == "cellXfs":
                    where.clear()
            parser.StartElementHandler = start
            parser.EndElementHandler = end

        try:
            self._parse_all(name, setup)
        except ValueError as exc:
            raise BadWorkbook(f"{name}: {exc}") from exc
        for style, fmt_id in enumerate(xfs):
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
            if is_timedelta_format(code):
                self._delta_styles.add(style)
            elif is_date_format(code):
                self._date_styles.add(style)

    def _read_strings(self, name: str) -> None:
        limit = self.limits.max_cell_chars
        strings = self._strings
        state = {"parts": [], "size": 0, "depth_rph": 0, "in_t": False}

        def setup(parser: Any) -> None:
            def start(tag: str, _attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "si":
                    state["parts"], state["size"] = [], 0
                elif local == "rPh":
                    state["depth_rph"] += 1
                elif local == "t" and not state["depth_rph"]:
                    state["in_t"] = True

            def text(data: str) -> None:
                if state["in_t"]:
                    state["size"] += len(data)
                    if state["size"] <= limit:
                        state["parts"].append(data)

            def end(tag: str) -> None:
                local = _local(tag)
                if local == "t":
                    state["in_t"] = False
                elif local == "rPh":
                    state["depth_rph"] -= 1
                elif local == "si":
                    # A string over the limit is kept as its length only: the cells using it are reported.
                    strings.append("".join(state["parts"]) if state["size"] <= limit else state["size"])
            parser.StartElementHandler = start
            parser.CharacterDataHandler = text
            parser.EndElementHandler = end

        self._parse_all(name, setup)

    # -- the sheet

    def rows(self, sheet: str, *, first_row: int = 1) -> Iterator[SheetRow]:
        """Stream the rows of ``sheet`` numbered ``first_row`` or later that hold at least one value.

        Raises :class:`WorkbookLimitError` as soon as a limit is passed, :class:`BadWorkbook` for a
        malformed part.
        """
        limits = self.limits
        strings, date_styles, delta_styles, epoch = self._strings, self._date_styles, self._delta_styles, self._epoch
        done: list[SheetRow] = []
        st: dict[str, Any] = {"row": 0, "col": -1, "cells": None, "too_long": None, "type": "n", "style": 0,
                              "text": None, "size": 0, "in_value": False, "rph": 0, "ncells": 0, "nrows": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "c":
                st["ncells"] += 1
                if st["ncells"] > limits.max_cells:
                    raise WorkbookLimitError("sheet_too_many_cells", limit=limits.max_cells)
                ref = attrs.get("r")
                match = _CELL_REF.match(ref) if ref else None
                st["col"] = column_index(match.group(1)) if match else st["col"] + 1
                st["type"] = attrs.get("t", "n")
                style = attrs.get("s")
                st["style"] = int(style) if style and style.isdigit() else 0
                st["text"], st["size"] = None, 0
            elif local in ("v", "t") and st["cells"] is not None and not st["rph"]:
                st["in_value"] = True
                if st["text"] is None:
                    st["text"] = []
            elif local == "rPh":
                st["rph"] += 1
            elif local == "row":
                number = attrs.get("r")
                st["row"] = int(number) if number and number.isdigit() else st["row"] + 1
                if st["row"] > EXCEL_MAX_ROW:
                    raise WorkbookLimitError("sheet_too_many_rows", limit=EXCEL_MAX_ROW)
                st["col"] = -1
                st["cells"], st["too_long"] = {}, []

        def text(data: str) -> None:
            if st["in_value"]:
                st["size"] += len(data)
                if st["size"] <= limits.max_cell_chars:
                    st["text"].append(data)

        def end(tag: str) -> None:
            local = _local(tag)
            if local in ("v", "t"):
                st["in_value"] = False
            elif local == "rPh":
                st["rph"] -= 1
            elif local == "c" and st["cells"] is not None and st["text"] is not None:
                col = st["col"]
                if st["size"] > limits.max_cell_chars:
                    st["too_long"].append((col, st["size"]))
                    return
                value = _value(st["type"], "".join(st["text"]), st["style"], strings, date_styles, delta_styles,
                               epoch)
                if isinstance(value, int) and not isinstance(value, bool) and st["type"] == "s":
                    st["too_long"].append((col, value))  # a shared string over the limit: its length
                    return
                rendered = cell_text(value)
                if rendered.strip():
                    if col >= limits.max_columns:
                        raise WorkbookLimitError("sheet_too_many_columns", column=column_letters(col),
                                                 limit=limits.max_columns)
                    st["cells"][col] = rendered
            elif local == "row":
                if st["row"] >= first_row and (st["cells"] or st["too_long"]):
                    st["nrows"] += 1
                    if st["nrows"] > limits.max_rows:
                        raise WorkbookLimitError("sheet_too_many_rows", limit=limits.max_rows)
                    done.append(SheetRow(st["row"], st["cells"], st["too_long"]))
                st["cells"] = None

        def setup(parser: Any) -> Callable[[], Iterator[SheetRow]]:
            parser.StartElementHandler = start
            parser.CharacterDataHandler = text
            parser.EndElementHandler = end

            def drain() -> Iterator[SheetRow]:
                yield from done
                done.clear()
            return drain

        if sheet not in self.sheets:
            raise KeyError(sheet)
        yield from self._parse(self.sheets[sheet], setup)


def _value(kind: str, text: str, style: int, strings: list[str | int], date_styles: set[int],
           delta_styles: set[int], epoch: dt.datetime) -> object:
    """A cell's value as openpyxl (data_only) would give it, from its type, text and style."""
    if kind == "s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError) as exc:
            raise BadWorkbook(f"shared string {text!r} does not exist") from exc
    if kind in ("str", "inlineStr", "e"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        try:
            return from_ISO8601(text.strip())
        except ValueError:
            return text
    if not text.strip():
        return None
    try:
        number: float | int = float(text) if any(ch in text for ch in ".eE") else int(text)
    except ValueError:
        return text
    if style in date_styles or style in delta_styles:
        try:
            return from_excel(number, epoch, timedelta=style in delta_styles)
        except (ValueError, OverflowError):
            return number
    return number


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.0f}"

