"""Writing result tables for people and scripts: CSV/JSON on stdout or to files.

Suppressed estimates are already NaN in engine results; here they become empty cells in CSV
and ``null`` in JSON, with ``flag`` = 'suppressed', so no export can carry the number. Text cells
that a spreadsheet would run as a formula (starting with = + - @) are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would evaluate with a single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


# The dialect pandas' ``to_csv`` uses (QUOTE_MINIMAL, '"' doubled, "\n" line ends): fields are quoted exactly as
# pandas would quote them, so the fast path below writes the same bytes as ``DataFrame.to_csv``.
_CSV_DIALECT = {"delimiter": ",", "quotechar": '"', "quoting": csv.QUOTE_MINIMAL, "lineterminator": "\n"}


def _csv_row(fields: list[Any]) -> str:
    """One CSV record (with its line end) as Python's csv writer, and so pandas, writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, **_CSV_DIALECT).writerow(fields)
    return buffer.getvalue()


def _encode_text_fields(values: list[Any]) -> list[str]:
    """The CSV field text (quoted if needed) of each of ``values``; missing values become empty fields.

    Each value is encoded as the first field of a two-field record, so the csv module decides the
    quoting (a lone empty field would be written as ``""``).
    """
    return ["" if _is_missing(v) else _csv_row([v, ""])[:-2] for v in values]


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _text_column(column: pd.Series) -> list[str] | None:
    """Field texts of a text column with formulas neutralised, computed once per distinct value.

    None when a cell is unhashable (a list): the caller then writes the frame through pandas.
    """
    values = column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:
        return None
    encoded = np.array(_encode_text_fields([neutralise_formula(v) for v in uniques]) + [""], dtype=object)
    return encoded[codes].tolist()  # code -1 (missing) picks the trailing empty field


def _number_column(column: pd.Series, float_digits: int) -> list[str]:
    """Field texts of a numpy int, bool or float column, formatted as pandas' ``to_csv`` formats them.

    Floats are rounded to ``float_digits``; every number is written by ``astype(str)`` (numpy's shortest
    repr, pandas' own call without a float_format), missing values as empty fields; such texts never need
    quoting. Each distinct value is formatted once: counts, flags and n_eff repeat across thousands of rows.
    Floats are told apart by their bits, so -0.0 (a rounded tiny negative) keeps its sign.
    """
    values = column.to_numpy()
    if values.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):  # huge values round to themselves
            values = np.round(values, float_digits)
        codes, bits = pd.factorize(values.view(f"i{values.dtype.itemsize}"))
        uniques = bits.view(values.dtype)
        texts = uniques.astype(str).astype(object)
        texts[np.isnan(uniques)] = ""
    else:
        codes, uniques = pd.factorize(values)
        texts = uniques.astype(str).astype(object)
    return texts[codes].tolist()


def _is_text(column: pd.Series) -> bool:
    return (isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column))


def _is_plain_number(column: pd.Series) -> bool:
    return isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf"


def to_csv_text(frame: pd.DataFrame, *, float_digits: int = 6) -> str:
    """CSV text with formulas neutralised and floats rounded to ``float_digits``.

    Text cells (object, string and categorical columns) and the header row are neutralised; numbers,
    negative ones included, stay numbers. The bytes are those of ``DataFrame.to_csv(index=False,
    lineterminator="\n")`` of the neutralised, rounded frame, but built column by column: each distinct
    text is neutralised and quoted once, numbers are formatted by numpy in one call per column, dates and
    other types by pandas, and the records joined at the end (issue 14.6: the per-cell pandas writer took
    longer than the query for a 126k-row indicator table).
    """
    header = _csv_row([neutralise_formula(str(c)) for c in frame.columns])
    if frame.shape[1] < 2:  # a lone empty field is written as "" by csv: leave that case to pandas
        return _pandas_csv_text(frame, float_digits)
    columns: list[list[str] | None] = [None] * frame.shape[1]
    other = []
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if _is_plain_number(column):
            columns[j] = _number_column(column, float_digits)
        elif _is_text(column):
            columns[j] = _text_column(column)
            if columns[j] is None:
                return _pandas_csv_text(frame, float_digits)
        else:
            other.append(j)
    if other:
        formatted = _other_columns(frame, other, float_digits)
        if formatted is None:
            return _pandas_csv_text(frame, float_digits)
        for j, texts in zip(other, formatted, strict=True):
            columns[j] = texts
    if len(frame) == 0:
        return header
    return header + "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _other_columns(frame: pd.DataFrame, positions: list[int], float_digits: int) -> list[list[str]] | None:
    """Field texts of the columns pandas formats itself (dates, timestamps, nullable numbers).

    pandas writes each column's distinct values (its date format depends only on the set of values: date
    only when every one is at midnight, else down to the finest resolution present), beside a constant
    column so that no record is a lone empty field; the texts are split again, which is exact only while
    no field is quoted (none holds a comma, quote or line break): otherwise None, and the caller writes
    the whole frame through pandas.
    """
    out = []
    for j in positions:
        column = frame.iloc[:, j]
        if pd.api.types.is_float_dtype(column):
            # Distinct by bits (factorize would merge -0.0 into 0.0); NA is one more value pandas writes empty.
            column = column.round(float_digits).reset_index(drop=True)
            codes, _bits = pd.factorize(column.to_numpy(dtype="float64", na_value=np.nan).view("i8"))
            uniques = column.iloc[np.unique(codes, return_index=True)[1]].reset_index(drop=True)
        else:
            codes, uniques = pd.factorize(column)
        text = pd.DataFrame({"v": uniques, "c": 0}).to_csv(index=False, header=False, lineterminator="\n")
        if '"' in text:
            return None
        texts = np.array([line[:-2] for line in text.split("\n")[:-1]] + [""], dtype=object)
        out.append(texts[codes].tolist())  # code -1 (missing) picks the trailing empty field
    return out


def _pandas_csv_text(frame: pd.DataFrame, float_digits: int) -> str:
    """The general writer: neutralise and round a copy, then pandas ``to_csv`` (any column type, any shape)."""
    safe = frame.copy()
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.CategoricalDtype):
            safe[column] = safe[column].astype(object)
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            # Once per distinct value (names, periods, flags repeat across thousands of rows).
            try:
                distinct = {v: neutralise_formula(v) for v in pd.unique(safe[column].dropna())}
            except TypeError:  # unhashable cells (lists): cell by cell
                safe[column] = safe[column].map(neutralise_formula)
            else:
                safe[column] = safe[column].map(distinct).astype(object)
        elif pd.api.types.is_float_dtype(safe[column]):
            safe[column] = safe[column].round(float_digits)
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def to_csv_bytes(frame: pd.DataFrame, *, float_digits: int = 6) -> bytes:
    """The bytes of a CSV *download*: :func:`to_csv_text` encoded UTF-8 with a byte-order mark.

    Every CSV the dashboard offers for download has the BOM, so that Excel (which otherwise reads a CSV in
    the system's ANSI code page, GBK on Chinese Windows) shows Chinese text correctly; pandas, R and DuckDB
    skip it. Command-line output stays plain UTF-8: it goes to pipes and scripts, not straight to Excel.
    """
    return to_csv_text(frame, float_digits=float_digits).encode("utf-8-sig")


def to_json_text(frame: pd.DataFrame) -> str:
    """A JSON array of row objects; NaN becomes null."""
    records = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return json.dumps(records, ensure_ascii=False, indent=1)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """CSV or JSON text of ``frame``."""
    return to_json_text(frame) if fmt == "json" else to_csv_text(frame)
