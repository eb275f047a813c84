"""Period labels used everywhere (CLI, pages, exports).

``2025-03`` a month, ``2025Q1`` a quarter, ``2025`` a year, ``2025-03R12`` the 12 months ending
in March 2025, ``all`` every period pooled. These are the calendar kinds (``CALENDAR_KINDS``); the kind
``wave`` (survey waves such as ``FY22Q1``, :mod:`analytics.waves`) has free-text labels ordered by the data,
so the label functions here do not apply to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from analytics.errors import UnknownNameError

CALENDAR_KINDS = ("month", "quarter", "year", "rolling12", "all")
WAVE_KIND = "wave"
PERIOD_KINDS = (*CALENDAR_KINDS, WAVE_KIND)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_ROLLING = re.compile(r"^(\d{4})-(\d{2})R12$")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(label: str) -> tuple[str, dt.date, dt.date]:
    """Return (kind, first day, last day) of a period label; UnknownNameError if malformed or impossible
    (month 13, year 0)."""
    try:
        return _parse_period(label)
    except ValueError as exc:  # a label of the right shape naming no date: "2025-13", "0000"
        raise UnknownNameError(f"Period {label!r} names no date: {exc}.") from exc


def _parse_period(label: str) -> tuple[str, dt.date, dt.date]:
    if m := _MONTH.match(label):
        start = dt.date(int(m.group(1)), int(m.group(2)), 1)
        return "month", start, _add_months(start, 1) - dt.timedelta(days=1)
    if m := _QUARTER.match(label):
        start = dt.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
        return "quarter", start, _add_months(start, 3) - dt.timedelta(days=1)
    if m := _YEAR.match(label):
        start = dt.date(int(m.group(1)), 1, 1)
        return "year", start, dt.date(start.year, 12, 31)
    if m := _ROLLING.match(label):
        end_month = dt.date(int(m.group(1)), int(m.group(2)), 1)
        return "rolling12", _add_months(end_month, -11), _add_months(end_month, 1) - dt.timedelta(days=1)
    raise UnknownNameError(
        f"Period {label!r} is not a period label; use 2025-03 (month), 2025Q1 (quarter), 2025 (year) "
        "or 2025-03R12 (12 months ending March 2025).")


def period_kind(label: str) -> str:
    """The kind of a period label ('all' for the pooled period)."""
    return "all" if label == "all" else parse_period(label)[0]


def previous_period(label: str, *, lag: str = "previous") -> str | None:
    """The comparison period: the one before (``lag='previous'``) or a year earlier (``'year'``).

    For rolling 12-month windows both mean the window 12 months earlier, because overlapping
    windows share respondents and must never be tested against each other.
    """
    if label == "all":
        return None
    kind, start, _end = parse_period(label)
    if kind == "month":
        return _add_months(start, -12 if lag == "year" else -1).strftime("%Y-%m")
    if kind == "quarter":
        prev = _add_months(start, -12 if lag == "year" else -3)
        return f"{prev.year}Q{(prev.month - 1) // 3 + 1}"
    if kind == "year":
        return str(start.year - 1)
    end_month = _add_months(start, 11)
    return _add_months(end_month, -12).strftime("%Y-%m") + "R12"


def with_comparison_periods(labels: Iterable[str], *, lag: str = "previous") -> list[str]:
    """``labels`` and the comparison period of each (:func:`previous_period` with ``lag``), once each.

    These are the periods a table needs so that change columns can be added to the rows of ``labels``.
    The result is in time order ('all', which has no comparison period, first).
    """
    wanted = set(labels)
    wanted |= {prev for prev in (previous_period(label, lag=lag) for label in wanted) if prev is not None}
    return sorted(wanted, key=lambda label: (label != "all", parse_period(label)[1] if label != "all" else dt.date.min))


def label_for(kind: str, month: dt.date) -> str:
    """The label of the ``kind`` period that contains ``month`` (rolling12: the window ending then)."""
    if kind == "month":
        return month.strftime("%Y-%m")
    if kind == "quarter":
        return f"{month.year}Q{(month.month - 1) // 3 + 1}"
    if kind == "year":
        return str(month.year)
    if kind == "rolling12":
        return month.strftime("%Y-%m") + "R12"
    return "all"


def available_periods(months: list[dt.date], kind: str) -> list[str]:
    """Period labels of ``kind`` that the data months cover, in time order.

    Rolling windows are listed only when complete: ending 11 or more months after the first month.
    """
    if not months:
        return []
    if kind == "all":
        return ["all"]
    first = min(months)
    labels: list[str] = []
    for month in sorted(months):
        if kind == "rolling12" and month < _add_months(first, 11):
            continue
        label = label_for(kind, month)
        if label not in labels:
            labels.append(label)
    if kind == "rolling12":
        # every month-end between the first complete window and the last month, even without data that month
        last = max(months)
        labels = []
        cursor = _add_months(first, 11)
        while cursor <= last:
            labels.append(label_for(kind, cursor))
            cursor = _add_months(cursor, 1)
    return labels
