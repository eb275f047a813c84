"""Plain-language formatting of estimates, shared by pages, CLI and reports.

Every formatter refuses to print a number for a suppressed estimate: it prints the
'suppressed' label of the catalog instead.

A row of the indicator table says its ``kind``: a rate ('rate') is shown as a percentage
('78.3%', changes in percentage points), a mean score ('mean') with its unit ('6.4 / 10',
changes in score points) and never as a percentage. Means are shown with 1 decimal on scales
spanning 10 or more points and 2 decimals on shorter ones (a 1–5 mean of 3.84 is '3.84 / 5').
Rows without a ``kind`` (case metrics, older callers) are rates.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from analytics.i18n import has, t

if TYPE_CHECKING:  # only for the annotation: formatting needs no pandas
    import pandas as pd


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _get(row: Any, key: str, default: Any = None) -> Any:
    """``row[key]`` for a dict or pandas row, ``default`` when absent."""
    return row.get(key, default) if hasattr(row, "get") else default


def is_mean(row: Any) -> bool:
    """Whether an indicator row is a mean score (kind 'mean') rather than a rate."""
    return _get(row, "kind") == "mean"


def mean_digits(row: Any) -> int:
    """Decimals for a mean score: 1 on a scale spanning 10 or more points, else 2."""
    low, high = _get(row, "scale_min", 0.0), _get(row, "scale_max", 10.0)
    span = float(high) - float(low) if not (_missing(low) or _missing(high)) else 10.0
    return 1 if span >= 10 else 2


def score(value: Any, row: Any) -> str:
    """A mean score without its unit ('6.4'); empty for a missing value."""
    if _missing(value):
        return ""
    return f"{float(value):.{mean_digits(row)}f}"


def value_text(value: Any, row: Any) -> str:
    """``value`` (an estimate or interval end of ``row``'s indicator) as '78.3%' or '6.4 / 10'."""
    if not is_mean(row):
        return pct(value)
    if _missing(value):
        return ""
    unit = _get(row, "unit", "") or ""
    return f"{score(value, row)} {unit}".strip()


def estimate_text(row: Any) -> str:
    """The row's estimate as '78.3%' (a rate) or '6.4 / 10' (a mean score); empty when missing."""
    return value_text(row["estimate"], row)


def pct(value: Any, digits: int = 1) -> str:
    """A proportion as a percentage string ('78.3%'); empty for a missing value."""
    if _missing(value):
        return ""
    return f"{100 * float(value):.{digits}f}%"


_DIGITS = re.compile(r"\d+")


def natural_text(code: Any) -> str:
    """A jurisdiction code as a sort key in natural order: digit runs zero-padded, so 'S2' sorts before 'S10'
    and '2' before '10' (the same order as the registry's SQL, analytics/sql/jurisdictions/list.sql)."""
    return _DIGITS.sub(lambda m: m.group().lstrip("0").zfill(30), str(code).lower())


def natural_order(column: Any) -> Any:
    """``sort_values(key=...)``: the jurisdiction columns by :func:`natural_text`, any other column as it is."""
    if getattr(column, "name", None) in ("jurisdiction", "code", "jurisdiction_code"):
        # Keyed once per distinct code, then spread by position: a table at a million respondents has 10⁵ rows but
        # a few hundred codes, and the regex per row was half of building the Trends page's monthly station table.
        # Missing codes stay values of their own (use_na_sentinel=False), keyed as natural_text keys them. numpy and
        # pandas are imported here, not above: the CLI's --help imports this module and neither (the caller has).
        import numpy as np
        import pandas as pd

        positions, distinct = pd.factorize(column, use_na_sentinel=False)
        keys = np.array([natural_text(code) for code in distinct], dtype=object)
        return pd.Series(keys[positions], index=column.index, name=column.name)
    return column


def signed(value: Any, digits: int = 1) -> str:
    """A signed number ('+1.2', '-0.4'); a value that rounds to zero is '0.0', never '-0.0' or '+0.0'.
    Empty for a missing value."""
    if _missing(value):
        return ""
    text = f"{float(value):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def p_text(p: Any, digits: int = 3, *, relation: bool = False) -> str:
    """A p-value as printed: '< 0.001' below 0.001 (never '0' or '0.000'), else ``digits`` decimals.
    ``relation``: with '= ' before a printed value, for a sentence ('p = 0.012', 'p < 0.001').
    Empty for a missing value."""
    if _missing(p):
        return ""
    floor = 10.0 ** -digits
    if float(p) < floor:
        return f"< {floor:.{digits}f}"
    return f"{'= ' if relation else ''}{float(p):.{digits}f}"


def interval_text(low: Any, high: Any, digits: int = 1, *, row: Any = None) -> str:
    """An interval as '74.1–82.0' (percent points), or '6.3–6.5' for a mean-score ``row``; empty when missing."""
    if _missing(low) or _missing(high):
        return ""
    if row is not None and is_mean(row):
        return f"{score(low, row)}–{score(high, row)}"
    return f"{100 * float(low):.{digits}f}–{100 * float(high):.{digits}f}"


def rate_cell(row: dict[str, Any] | Any, lang: str) -> str:
    """One scorecard cell: '78.3% (74.1–82.0) n=412' or '6.4 / 10 (6.3–6.5) n=412', suppressed with n, or '—'
    for no data."""
    if row["flag"] == "no_data":
        return "—"
    n = int(row["n"])
    if row["flag"] == "suppressed" or _missing(row["estimate"]):
        return f"{t('flag.suppressed_short', lang)} (n={n})"
    text = f"{estimate_text(row)} ({interval_text(row['ci_low'], row['ci_high'], row=row)}) n={n}"
    if row["flag"] == "caution":
        text += " ⚠"
    return text


def change_cell(row: dict[str, Any] | Any) -> str:
    """Change with an arrow only when significant: '▲ +5.2', '+1.0', ''.

    Percentage points for a rate; score points for a mean score ('▲ +0.3' on a 0–10 scale).
    """
    change = row.get("change") if hasattr(row, "get") else row["change"]
    if _missing(change):
        return ""
    text = signed(change, mean_digits(row)) if is_mean(row) else signed(100 * float(change))
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


def station_names(rows: pd.DataFrame, lang: str, prefix: str = "") -> list[str]:
    """The station of each row of a record list by name in ``lang`` (its code when it has no name).

    ``rows`` carries the columns the lists select through ``jm_row_place`` (``station``, ``station_name_zh``,
    ``station_name_en``, ``community``, ...), each with ``prefix`` (``case_`` for the case an escalation led to).
    """
    suffix = "zh" if lang == "zh" else "en"
    return [name if isinstance(name, str) and name else str(code)
            for code, name in zip(rows[f"{prefix}station"], rows[f"{prefix}station_name_{suffix}"], strict=True)]


def community_names(rows: pd.DataFrame, lang: str, prefix: str = "") -> list[str]:
    """The village or community (社区/村) each row of a record list is coded to, by name in ``lang`` (its code
    when it has no name), and '' for a station's own rows, so the column is blank rather than repeating the
    station. Columns as :func:`station_names`: ``community``, ``community_name_zh``, ``community_name_en``."""
    suffix = "zh" if lang == "zh" else "en"
    return ["" if not isinstance(code, str) else name if isinstance(name, str) and name else code
            for code, name in zip(rows[f"{prefix}community"], rows[f"{prefix}community_name_{suffix}"], strict=True)]


def family_name(field: str, code: Any, label: Any, lang: str) -> str:
    """A record's category (a ``family`` field of analytics.vocabulary: dispute type, hazard place, severity) by
    its name in ``lang`` (catalog ``family.<field>.<code>``). A file's own wording mapped to no family ('other')
    has no name in any language but that wording, so it is shown as the file gave it."""
    key = f"family.{field}.{code}"
    if code != "other" and has(key):
        return t(key, lang)
    if isinstance(label, str) and label:
        return label
    return t("family.other", lang)


# Detail values that are codes of a known vocabulary, shown by their label: detail key -> catalog prefix.
_AUDIT_VALUE_LABELS = {"kind": "upload.kind.", "role": "role.", "level": "level."}


def _audit_value(key: str, value: Any, lang: str) -> str:
    """One value of an audit entry's detail as text (codes of a known vocabulary by their label)."""
    if value is None or value == []:
        return t("audit.value.none", lang)
    if isinstance(value, bool):
        return t(f"audit.value.{str(value).lower()}", lang)
    if isinstance(value, list | tuple):
        return ", ".join(_audit_value(key, v, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_audit_value(k, v, lang)}" for k, v in value.items())
    prefix = _AUDIT_VALUE_LABELS.get(key)
    if prefix and isinstance(value, str) and has(prefix + value):
        return t(prefix + value, lang)
    return str(value)


def audit_action(action: str, lang: str) -> str:
    """An audit-log action ('batch.load') by its label in ``lang``; an action without one is shown as it is."""
    key = f"audit.action.{action}"
    return t(key, lang) if has(key) else action


def audit_detail(action: str, detail: str | dict[str, Any] | None, lang: str) -> str:
    """An audit-log entry's detail (stored as JSON) as a sentence in ``lang``, never as raw JSON.

    Each action has a sentence in the catalog naming the facts worth reading; an entry written before its
    sentence existed, or missing one of its facts, lists its values only (no keys, no braces).
    """
    if isinstance(detail, str):
        try:
            detail = json.loads(detail) if detail.strip() else {}
        except json.JSONDecodeError:
            return detail  # not JSON: already text
    detail = detail if isinstance(detail, dict) else {}
    values = {k: _audit_value(k, v, lang) for k, v in detail.items()}
    key = f"audit.detail.{action}"
    if has(key):
        try:
            return t(key, lang, **values)
        except KeyError:
            pass  # an older entry without one of the facts the sentence names
    return " · ".join(v for v in values.values() if v)
