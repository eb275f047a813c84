"""Tables narrowed to some periods equal the whole table filtered (the pages query only what they show).

``engine.indicator_table(periods=...)`` reads only the cell months those periods cover; a page shows
``add_changes(..., periods=shown)`` on a table of ``with_comparison_periods(shown)``. Both must give exactly
the rows, numbers and change tests of the whole table (every period, unnarrowed) filtered afterwards: for
every period kind, both comparison lags, weighted and unweighted, with and without strata and clusters.
"""

from analytics.selection import Selection
import datetime as dt

import pandas as pd
import pytest

from analytics import engine, store
from analytics.errors import UnknownNameError
from analytics.periods import parse_period, with_comparison_periods
from tests.conftest import build_synthetic_city

KINDS = ("month", "quarter", "year", "rolling12", "all")
LEVELS = ("station", "city")


@pytest.fixture(scope="module", params=["plain", "stratified"])
def city(request, tmp_path_factory):
    """The synthetic city (2024-2025), and the same with strata and clusters (so groups span several rows)."""
    con = store.connect(tmp_path_factory.mktemp("narrowing") / f"{request.param}.duckdb")
    build_synthetic_city(con)
    if request.param == "stratified":
        con.execute("UPDATE respondents SET stratum = 'h' || CAST(respondent_key % 3 AS VARCHAR), "
                    "cluster = 'c' || CAST(respondent_key % 40 AS VARCHAR)")
        engine.refresh_cells(con)
    yield con
    con.close()


def _shown_choices(labels: list[str]) -> list[list[str]]:
    """Period selections a sidebar can make: the latest alone, the first alone, a middle range, all of them."""
    if labels == ["all"]:
        return [["all"]]
    middle = labels[len(labels) // 3: len(labels) // 3 + 3]
    return [labels[-1:], labels[:1], middle, labels]


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    return table.reset_index(drop=True)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", LEVELS)
def test_narrowed_table_equals_the_whole_table_filtered(city, kind, level, weighted):
    whole = engine.indicator_table(city, Selection(period_kind=kind, level=level, weighted=weighted))
    labels = list(dict.fromkeys(whole.sort_values("period_start")["period"]))
    assert labels
    for shown in _shown_choices(labels) + [labels[::2]]:  # a selection with gaps, too
        narrowed = engine.indicator_table(city, Selection(period_kind=kind, periods=tuple(shown or ()), level=level, weighted=weighted))
        pd.testing.assert_frame_equal(_frame(narrowed), _frame(whole[whole["period"].isin(shown)]))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("lag", ["previous", "year"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", LEVELS)
def test_changes_on_the_narrowed_table_equal_the_whole_table_filtered(city, kind, level, lag, weighted):
    whole_table = engine.indicator_table(city, Selection(period_kind=kind, level=level, weighted=weighted))
    whole = engine.add_changes(whole_table, lag=lag)
    labels = list(dict.fromkeys(whole_table.sort_values("period_start")["period"]))
    compared = 0
    for shown in _shown_choices(labels):
        needed = with_comparison_periods(shown, lag=lag)
        table = engine.indicator_table(city, Selection(period_kind=kind, periods=tuple(needed or ()), level=level, weighted=weighted))
        narrowed = engine.add_changes(table, lag=lag, periods=shown)
        expected = whole[whole["period"].isin(shown)]
        assert len(narrowed) == len(expected) > 0
        pd.testing.assert_frame_equal(_frame(narrowed), _frame(expected))
        compared += int(narrowed["change"].notna().sum())
    if kind != "all":
        assert compared > 0  # the comparison periods were really found in the narrowed tables


def test_rolling_windows_read_the_eleven_months_before_them(city):
    """A window needs its 11 earlier months, and its comparison window the 12 before that."""
    shown = ["2025-12R12"]
    needed = with_comparison_periods(shown)
    assert needed == ["2024-12R12", "2025-12R12"]
    narrowed = engine.indicator_table(city, Selection(period_kind='rolling12', periods=tuple(needed or ()), level='city'))
    months = engine.indicator_table(city, Selection(period_kind='month', level='city'))
    for label in needed:
        _kind, start, end = parse_period(label)
        in_window = months[(months["period_start"] >= pd.Timestamp(start)) & (months["period_start"] <= pd.Timestamp(end))]
        assert in_window["period"].nunique() == 12
        got = narrowed[narrowed["period"] == label].set_index("indicator")["n"]
        assert got.to_dict() == in_window.groupby("indicator")["n"].sum().to_dict()
    changed = engine.add_changes(narrowed, periods=shown)
    assert set(changed["prev_period"]) == {"2024-12R12"} and changed["change"].notna().all()


@pytest.mark.parametrize("kind", KINDS)
def test_period_ranges_are_unchanged_by_reading_fewer_months(city, kind):
    """A range of periods (what the sidebar's date range chooses) limits the months read; the rows are
    those of the whole table filtered on the periods' first days."""
    whole = engine.indicator_table(city, Selection(period_kind=kind, level='station', weighted=True))
    for date_from, date_to in ((dt.date(2024, 11, 15), dt.date(2025, 3, 1)), (dt.date(2025, 4, 1), None),
                               (None, dt.date(2024, 12, 31))):
        keep = pd.Series(True, index=whole.index)
        if date_from is not None:
            keep &= whole["period_start"] >= pd.Timestamp(date_from)
        if date_to is not None:
            keep &= whole["period_start"] <= pd.Timestamp(date_to)
        labels = tuple(whole[keep].sort_values("period_start")["period"].drop_duplicates())
        if not labels:
            continue  # no period starts in the range: nothing to choose (an empty choice means every period)
        got = engine.indicator_table(city, Selection(period_kind=kind, periods=labels, level="station",
                                                     weighted=True))
        pd.testing.assert_frame_equal(_frame(got), _frame(whole[keep]))


def test_periods_must_be_of_the_granularity_asked_for(city):
    # The selection refuses a period of another kind when it is made, before any query.
    with pytest.raises(UnknownNameError, match="not a month period"):
        engine.indicator_table(city, Selection(period_kind='month', periods=('2025Q1',)))
    with pytest.raises(UnknownNameError, match="not a all period"):
        engine.indicator_table(city, Selection(period_kind='all', periods=('2025',)))
    # No period chosen means every period; a period without data gives the empty table.
    assert not engine.indicator_table(city, Selection(period_kind='month', periods=())).empty
    empty = engine.indicator_table(city, Selection(period_kind='month', periods=('2030-01',)))
    assert empty.empty and list(empty.columns) == engine.TIDY_COLUMNS
