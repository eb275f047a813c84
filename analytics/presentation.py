"""Plain-language formatting of estimates, shared by pages, CLI and reports.

Every formatter refuses to print a number for a suppressed estimate: it prints the
'suppressed' label of the catalog instead.
"""

from __future__ import annotations

import math
from typing import Any

from analytics.i18n import t


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: Any, digits: int = 1) -> str:
    """A proportion as a percentage string ('78.3%'); empty for a missing value."""
    if _missing(value):
        return ""
    return f"{100 * float(value):.{digits}f}%"


def interval_text(low: Any, high: Any, digits: int = 1) -> str:
    """An interval as '74.1–82.0' (percent points); empty when missing."""
    if _missing(low) or _missing(high):
        return ""
    return f"{100 * float(low):.{digits}f}–{100 * float(high):.{digits}f}"


def rate_cell(row: dict[str, Any] | Any, lang: str) -> str:
    """One scorecard cell: '78.3% (74.1–82.0) n=412', or the suppressed label with n."""
    n = int(row["n"])
    if row["flag"] == "suppressed" or _missing(row["estimate"]):
        return f"{t('flag.suppressed_short', lang)} (n={n})"
    text = f"{pct(row['estimate'])} ({interval_text(row['ci_low'], row['ci_high'])}) n={n}"
    if row["flag"] == "caution":
        text += " ⚠"
    return text


def change_cell(row: dict[str, Any] | Any) -> str:
    """Change in percentage points with an arrow only when significant: '▲ +5.2', '+1.0', ''."""
    change = row.get("change") if hasattr(row, "get") else row["change"]
    if _missing(change):
        return ""
    text = f"{100 * float(change):+.1f}"
    direction = row.get("direction", "") if hasattr(row, "get") else row["direction"]
    if direction == "up":
        return "▲ " + text
    if direction == "down":
        return "▼ " + text
    return text


def jurisdiction_name(row: dict[str, Any] | Any, lang: str) -> str:
    """The jurisdiction's name in ``lang``, falling back to its code."""
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    return name if isinstance(name, str) and name else str(row["jurisdiction"])
