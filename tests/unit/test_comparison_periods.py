"""The periods a table needs for the change columns of the periods shown."""

import pytest

from analytics.periods import previous_period, with_comparison_periods


@pytest.mark.parametrize(("shown", "lag", "expected"), [
    (["2026-09"], "previous", ["2026-08", "2026-09"]),
    (["2026-09"], "year", ["2025-09", "2026-09"]),
    (["2026-01", "2026-02"], "previous", ["2025-12", "2026-01", "2026-02"]),
    (["2026Q1"], "previous", ["2025Q4", "2026Q1"]),
    (["2026Q1", "2026Q3"], "year", ["2025Q1", "2025Q3", "2026Q1", "2026Q3"]),
    (["2026"], "previous", ["2025", "2026"]),
    (["2026"], "year", ["2025", "2026"]),
    # rolling windows are compared only with the window 12 months earlier, whatever the lag
    (["2026-09R12"], "previous", ["2025-09R12", "2026-09R12"]),
    (["2026-09R12", "2026-08R12"], "year", ["2025-08R12", "2025-09R12", "2026-08R12", "2026-09R12"]),
    (["all"], "previous", ["all"]),
    ([], "previous", []),
])
def test_with_comparison_periods(shown, lag, expected):
    assert with_comparison_periods(shown, lag=lag) == expected


@pytest.mark.parametrize("lag", ["previous", "year"])
def test_every_comparison_period_is_included(lag):
    shown = ["2024-01", "2024-07", "2025-12"]
    needed = with_comparison_periods(shown, lag=lag)
    assert set(shown) <= set(needed)
    assert {previous_period(label, lag=lag) for label in shown} <= set(needed)
