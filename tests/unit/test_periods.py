import datetime as dt

import pytest

from analytics.errors import UnknownNameError
from analytics.periods import available_periods, parse_period, previous_period


@pytest.mark.parametrize(("label", "kind", "start", "end"), [
    ("2025-03", "month", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2025Q4", "quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2025-03R12", "rolling12", dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
])
def test_parse_period(label, kind, start, end):
    assert parse_period(label) == (kind, start, end)


@pytest.mark.parametrize("bad", ["2025-13x", "25Q1", "2025Q5", "March", ""])
def test_bad_labels_raise_a_user_error(bad):
    with pytest.raises(UnknownNameError, match="period label"):
        parse_period(bad)


@pytest.mark.parametrize("impossible", ["2025-13", "2025-00", "0000", "0000Q1", "2025-13R12"])
def test_labels_of_the_right_shape_naming_no_date_raise_a_user_error(impossible):
    # The shapes match (month, year, quarter, rolling window) but no calendar date exists: a user error, not
    # Python's ValueError from datetime.date.
    with pytest.raises(UnknownNameError, match="names no date"):
        parse_period(impossible)


@pytest.mark.parametrize(("label", "lag", "expected"), [
    ("2025-01", "previous", "2024-12"), ("2025-01", "year", "2024-01"),
    ("2025Q1", "previous", "2024Q4"), ("2025Q1", "year", "2024Q1"),
    ("2025", "previous", "2024"),
    # overlapping rolling windows are never compared: both lags give the window 12 months earlier
    ("2025-03R12", "previous", "2024-03R12"), ("2025-03R12", "year", "2024-03R12"),
    ("all", "previous", None),
])
def test_previous_period(label, lag, expected):
    assert previous_period(label, lag=lag) == expected


def test_available_periods():
    months = [dt.date(2024, m, 1) for m in range(1, 13)] + [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]
    assert available_periods(months, "quarter") == ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    assert available_periods(months, "rolling12") == ["2024-12R12", "2025-01R12", "2025-02R12", "2025-03R12"]
    assert available_periods([], "month") == []
