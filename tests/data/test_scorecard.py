"""Scorecard colour classes and the needs-attention list on the crafted city (tests/data/leaders_city.py)."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from analytics import scorecard, stats
from analytics.selection import Selection
from tests.data import leaders_city


@pytest.fixture
def city(empty_db):
    leaders_city.build(empty_db)
    return empty_db


def _card(con, **changes):
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="station", **changes)
    return scorecard.scorecard(con, sel).query("indicator == 'visibility'").set_index("jurisdiction")


def test_each_colour_class_follows_the_significance_rule(city):
    card = _card(city)
    assert card.loc["S1", "vs_average"] == "above"
    assert card.loc["S2", "vs_average"] == "within"
    assert card.loc["S3", "vs_average"] == "below"
    assert card.loc["S4", "vs_average"] == "suppressed"
    assert math.isnan(card.loc["S4", "estimate"])  # a suppressed cell never carries a number
    assert "S10" not in card.index  # no answers: no row; the page shows it as no data


def test_gap_and_its_test_by_hand(city):
    card = _card(city)
    n_total = 200 + 200 + 200 + 10
    avg = (180 + 130 + 60 + 6) / n_total
    avg_se = math.sqrt(avg * (1 - avg) / n_total)
    p1, s = 180 / 200, 200 / n_total
    se1 = math.sqrt(p1 * (1 - p1) / 200)
    gap_se = math.sqrt(se1 ** 2 * (1 - 2 * s) + avg_se ** 2)
    assert card.loc["S1", "avg_estimate"] == pytest.approx(avg)
    assert card.loc["S1", "gap"] == pytest.approx(p1 - avg)
    assert card.loc["S1", "gap_se"] == pytest.approx(gap_se)
    raw = [card.loc[c, "gap_p"] for c in ("S1", "S2", "S3")]
    assert raw[0] == pytest.approx(2 * norm.sf(abs(p1 - avg) / gap_se))
    adjusted = stats.benjamini_hochberg(raw)
    assert [card.loc[c, "gap_p_adjusted"] for c in ("S1", "S2", "S3")] == pytest.approx(list(adjusted))


def test_city_level_has_no_reference(city):
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="city")
    card = scorecard.scorecard(city, sel)
    assert set(card["vs_average"]) == {"no_reference"}


def test_needs_attention_lists_below_and_falls_largest_gap_first(city):
    card = _card(city).reset_index()
    listed = scorecard.needs_attention(card)
    assert list(listed["jurisdiction"]) == ["S3", "S2"]
    assert list(listed["reason"]) == ["below", "fall"]
    assert listed.loc[0, "size"] == pytest.approx(abs(card.set_index("jurisdiction").loc["S3", "gap"]))
    assert listed.loc[1, "size"] == pytest.approx(180 / 200 - 130 / 200)


def test_history_gives_the_last_periods_up_to_the_latest(city):
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="station")
    hist = scorecard.history(city, sel, "visibility", periods=8)
    assert sorted(set(hist["period"])) == ["2025Q1", "2025Q2"]
    one = scorecard.history(city, sel, "visibility", periods=1)
    assert set(one["period"]) == {"2025Q2"}


def test_a_selection_without_rows_gives_empty_frames_with_every_column(city):
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="station", jurisdiction_codes=("S10",))
    card = scorecard.scorecard(city, sel)
    assert card.empty and {"prev_flag", "vs_average", "direction"} <= set(card.columns)
    assert scorecard.needs_attention(card).empty
