"""The Selection value: validated, hashable (a page cache key), and its periods and comparison periods."""

import datetime as dt

import pytest

from analytics.auth import User
from analytics.errors import UnknownNameError
from analytics.selection import Selection


def test_a_selection_is_a_cache_key_equal_for_equal_choices():
    station = User("s1", "station", "S01")
    a = Selection("quarter", ["2026Q2", "2026Q3"], "station", ["S01"], True, "year", station)
    b = Selection("quarter", ("2026Q2", "2026Q3"), "station", ("S01",), True, "year", station)
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert a != b.with_(weighted=False)
    assert a != b.with_(user=User("s2", "station", "S02"))


@pytest.mark.parametrize("changes, message", [
    ({"period_kind": "week"}, "period kind"),
    ({"level": "province"}, "level"),
    ({"comparison": "last"}, "comparison"),
    ({"periods": ("2026-03",)}, "not a quarter period"),
    ({"periods": ("2026Q5",)}, "not a period label"),
])
def test_a_selection_refuses_what_cannot_be_chosen(changes, message):
    with pytest.raises(UnknownNameError, match=message):
        Selection(**changes)


def test_dates_and_comparison_periods():
    sel = Selection("quarter", ("2026Q1", "2026Q2"))
    assert (sel.latest, sel.date_from, sel.date_to) == ("2026Q2", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert sel.periods_with_comparisons() == ("2025Q4", "2026Q1", "2026Q2")
    assert sel.with_(comparison="year").periods_with_comparisons() == ("2025Q1", "2025Q2", "2026Q1", "2026Q2")
    rolling = Selection("rolling12", ("2026-06R12",))
    # Overlapping windows are never compared: both rules mean the window 12 months earlier.
    assert rolling.periods_with_comparisons() == ("2025-06R12", "2026-06R12")
    assert Selection().periods_with_comparisons() == () and Selection().latest is None
