"""The period calendar in SQL (analytics/sql/calendar/jm_calendar.sql) and the period rules in Python
(analytics/periods.py) agree, for every kind and any span of months, so figures computed in DuckDB carry the
labels, first and last days that the pages, the CLI and the comparison rules (previous period, a year
earlier) use."""

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.periods import available_periods, label_for, parse_period
from analytics.db import execute
from analytics.sqlfiles import load_sql, requirements

KINDS = ("month", "quarter", "year", "rolling12", "all")


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    execute(connection, "calendar/jm_calendar")
    yield connection
    connection.close()


def _calendar(con, kind, first, last):
    return con.execute("SELECT month, period, period_start, period_end FROM jm_calendar($k, $f, $l)",
                       {"k": kind, "f": first, "l": last}).fetchall()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(kind=st.sampled_from(KINDS), start=st.integers(2015 * 12, 2030 * 12), span=st.integers(0, 40))
def test_calendar_equals_the_python_period_rules(con, kind, start, span):
    first, last = _month(start), _month(start + span)
    rows = _calendar(con, kind, first, last)
    months = [_month(i) for i in range(start, start + span + 1)]
    # The periods listed are exactly the ones Python offers for these months, in the same order.
    periods_in_sql = sorted({r[1] for r in rows}, key=lambda p: (p != "all", parse_period(p)[1] if p != "all" else 0))
    assert periods_in_sql == available_periods(months, kind)
    for month, period, period_start, period_end in rows:
        assert first <= month <= last
        if kind == "all":
            assert (period, period_start) == ("all", first)
            assert period_end == _month(start + span + 1) - dt.timedelta(days=1)
            continue
        # Each period's first and last day are the ones its label means, and it contains the month.
        assert parse_period(period) == (kind, period_start, period_end)
        assert period_start <= month <= period_end
    if kind in ("month", "quarter", "year", "all"):
        assert sorted(r[0] for r in rows) == months  # one period per month
        assert {(r[0], r[1]) for r in rows} == {(m, label_for(kind, m)) for m in months}
    else:
        # A month lies in every complete window that ends 0-11 months later (and not after the last month).
        expected = {(m, label_for("rolling12", _month(m.year * 12 + m.month - 1 + k)))
                    for m in months for k in range(12)
                    if _month(m.year * 12 + m.month - 1 + k) <= last
                    and _month(m.year * 12 + m.month - 1 + k) >= _month(start + 11)}
        assert {(r[0], r[1]) for r in rows} == expected


def test_a_window_is_listed_only_when_complete(con):
    rows = _calendar(con, "rolling12", dt.date(2024, 1, 1), dt.date(2024, 11, 1))
    assert rows == []
    rows = _calendar(con, "rolling12", dt.date(2024, 1, 1), dt.date(2024, 12, 1))
    assert {r[1] for r in rows} == {"2024-12R12"} and len(rows) == 12


def test_queries_that_map_months_to_periods_use_the_calendar():
    """The period mapping is written once: the indicator and case queries select from the calendar."""
    for name in ("indicators/stats", "cases/metrics"):
        assert "calendar/jm_calendar" in requirements(name)
        text = load_sql(name)
        assert "jm_calendar(" in text
        assert "to_months(o.k)" not in text and "date_trunc('quarter'" not in text
