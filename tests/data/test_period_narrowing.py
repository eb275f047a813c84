"""Tables narrowed to some periods equal the whole table filtered (the pages query only what they show).

``engine.indicator_table(periods=...)`` reads only the cell months those periods cover; a page shows
``add_changes(..., periods=shown)`` on a table of ``with_comparison_periods(shown)``. Both must give exactly
the rows, numbers and change tests of the whole table (every period, unnarrowed) filtered afterwards. This is
a property test (hypothesis, derandomised, bounded): any set of periods, of every period kind, both comparison
lags, weighted and unweighted, at station and city level, with and without strata and clusters.
"""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import engine, store
from analytics.errors import UnknownNameError
from analytics.periods import parse_period, with_comparison_periods
from analytics.selection import Selection
from tests.conftest import build_synthetic_city

KINDS = ("month", "quarter", "year", "rolling12", "all")
LEVELS = ("station", "city")


VARIANTS = ("plain", "stratified")
LAGS = ("previous", "year")
# Bounded and derandomised: the same examples every run (and on CI), enough to draw every value of every
# dimension several times; checked at the end of each property below.
PROPERTY = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    """The synthetic city (2024-2025), and the same with strata and clusters (so groups span several rows)."""
    out = {}
    for variant in VARIANTS:
        con = store.connect(tmp_path_factory.mktemp("narrowing") / f"{variant}.duckdb")
        build_synthetic_city(con)
        if variant == "stratified":
            con.execute("UPDATE respondents SET stratum = 'h' || CAST(respondent_key % 3 AS VARCHAR), "
                        "cluster = 'c' || CAST(respondent_key % 40 AS VARCHAR)")
            engine.refresh_cells(con)
        out[variant] = con
    yield out
    for con in out.values():
        con.close()


@pytest.fixture(scope="module", params=VARIANTS)
def city(request, cities):
    """Each variant in turn, for the fixed cases below."""
    return cities[request.param]


@pytest.fixture(scope="module")
def whole_tables(cities):
    """The whole (unnarrowed) table per variant, kind, level and weighting, computed once: the reference."""
    cache: dict[tuple[str, str, str, bool], pd.DataFrame] = {}

    def get(variant: str, kind: str, level: str, weighted: bool) -> pd.DataFrame:
        key = (variant, kind, level, weighted)
        if key not in cache:
            cache[key] = engine.indicator_table(cities[variant], Selection(period_kind=kind, level=level,
                                                                           weighted=weighted))
        return cache[key]

    return get


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    return table.reset_index(drop=True)


def _labels(table: pd.DataFrame) -> list[str]:
    """The table's period labels in time order."""
    return list(dict.fromkeys(table.sort_values("period_start")["period"]))


@st.composite
def selections(draw, whole_tables):
    """A variant, period kind, level, weighting, comparison lag and any non-empty set of that kind's periods
    (contiguous ranges, single periods, gaps, all of them) in time order."""
    variant = draw(st.sampled_from(VARIANTS))
    kind = draw(st.sampled_from(KINDS))
    level = draw(st.sampled_from(LEVELS))
    weighted = draw(st.booleans())
    lag = draw(st.sampled_from(LAGS))
    labels = _labels(whole_tables(variant, kind, level, weighted))
    picked = set(draw(st.lists(st.sampled_from(labels), min_size=1, max_size=len(labels), unique=True)))
    shown = [label for label in labels if label in picked]
    return variant, kind, level, weighted, lag, shown


def test_narrowed_tables_and_their_changes_equal_the_whole_table_filtered(cities, whole_tables):
    """For any selection: the table narrowed to the shown periods equals the whole table filtered, and the
    changes computed on a table of the shown periods plus their comparison periods equal the whole table's."""
    seen: dict[str, set] = {"variant": set(), "kind": set(), "level": set(), "weighted": set(), "lag": set()}
    changes_found: dict[str, int] = dict.fromkeys(KINDS, 0)

    @PROPERTY
    @given(st.data())
    def narrowing(data):
        variant, kind, level, weighted, lag, shown = data.draw(selections(whole_tables))
        for name, value in zip(seen, (variant, kind, level, weighted, lag), strict=True):
            seen[name].add(value)
        con = cities[variant]
        whole = whole_tables(variant, kind, level, weighted)
        narrowed = engine.indicator_table(con, Selection(period_kind=kind, periods=shown, level=level,
                                                         weighted=weighted))
        pd.testing.assert_frame_equal(_frame(narrowed), _frame(whole[whole["period"].isin(shown)]))

        needed = with_comparison_periods(shown, lag=lag)
        table = engine.indicator_table(con, Selection(period_kind=kind, periods=needed, level=level,
                                                      weighted=weighted))
        changed = engine.add_changes(table, lag=lag, periods=shown)
        expected = engine.add_changes(whole, lag=lag)
        expected = expected[expected["period"].isin(shown)]
        assert len(changed) == len(expected) > 0
        pd.testing.assert_frame_equal(_frame(changed), _frame(expected))
        changes_found[kind] += int(changed["change"].notna().sum())

    narrowing()
    assert seen == {"variant": set(VARIANTS), "kind": set(KINDS), "level": set(LEVELS), "weighted": {False, True},
                    "lag": set(LAGS)}
    # the comparison periods were really found in the narrowed tables (a single 'all' period has none)
    assert all(changes_found[kind] > 0 for kind in KINDS if kind != "all"), changes_found


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


def test_period_ranges_are_unchanged_by_reading_fewer_months(cities, whole_tables):
    """A range of periods (what the sidebar's date range chooses) limits the months read; for any range the rows
    are those of the whole table filtered on the periods' first days, for every variant, kind, level, weighting."""
    seen_kinds: set[str] = set()
    dates = st.none() | st.dates(min_value=dt.date(2023, 11, 1), max_value=dt.date(2026, 2, 28))

    @settings(PROPERTY, max_examples=30)
    @given(st.sampled_from(VARIANTS), st.sampled_from(KINDS), st.sampled_from(LEVELS), st.booleans(), dates, dates)
    def period_ranges(variant, kind, level, weighted, date_from, date_to):
        whole = whole_tables(variant, kind, level, weighted)
        keep = pd.Series(True, index=whole.index)
        if date_from is not None:
            keep &= whole["period_start"] >= pd.Timestamp(date_from)
        if date_to is not None:
            keep &= whole["period_start"] <= pd.Timestamp(date_to)
        labels = tuple(whole[keep].sort_values("period_start")["period"].drop_duplicates())
        if not labels:
            return  # no period starts in the range: nothing to choose (an empty choice means every period)
        seen_kinds.add(kind)
        got = engine.indicator_table(cities[variant], Selection(period_kind=kind, periods=labels, level=level,
                                                                weighted=weighted))
        pd.testing.assert_frame_equal(_frame(got), _frame(whole[keep]))

    period_ranges()
    assert seen_kinds == set(KINDS)


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
