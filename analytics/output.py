"""Writing result tables for people and scripts: CSV/JSON on stdout or to files.

Suppressed estimates are already NaN in engine results; here they become empty cells in CSV
and ``null`` in JSON, with ``flag`` = 'suppressed', so no export can carry the number. Text cells
that a spreadsheet would run as a formula (starting with = + - @) are neutralised.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

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


def to_csv_text(frame: pd.DataFrame, *, float_digits: int = 6) -> str:
    """CSV text with formulas neutralised and floats rounded to ``float_digits``.

    Text cells (object, string and categorical columns) and the header row are neutralised; numbers,
    negative ones included, stay numbers.
    """
    safe = frame.copy()
    safe.attrs = {}  # not written; pandas would deep-copy them into every column touched below
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


def to_json_text(frame: pd.DataFrame) -> str:
    """A JSON array of row objects; NaN becomes null."""
    records = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return json.dumps(records, ensure_ascii=False, indent=1)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """CSV or JSON text of ``frame``."""
    return to_json_text(frame) if fmt == "json" else to_csv_text(frame)
