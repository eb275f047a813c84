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


# ---------------------------------------------------------------- assessment targets (issue 15 items 1-2)
# Wilson 95% intervals of the crafted 2025Q2 visibility cells, by hand (z = 1.96, z² = 3.8416):
#   centre = (p + z²/2n) / (1 + z²/n), half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n), n = 200, 1 + z²/n = 1.019208
#   S1 p = .90: centre .89246, half .04187 -> (.8506, .9343)
#   S2 p = .65: centre .64717, half .06554 -> (.5816, .7127)
#   S3 p = .30: centre .30377, half .06302 -> (.2408, .3668)
#   S4 10 answers: suppressed (below 30), no estimate.


def _set_targets(con, *targets):
    from analytics import assessment
    from analytics.auth import User

    for value, scope in targets:
        assessment.set_target(con, "indicator", "visibility", value, user=User("analyst", "analyst"), scope=scope)


def test_cell_class_follows_the_target_when_one_is_set(city):
    # Target 60% for every jurisdiction: S1 met (.8506 > .60), S2 likely met (.65 >= .60 but .5816 <= .60),
    # S3 missed (.3668 < .60), S4 not assessable (suppressed).
    _set_targets(city, (0.60, "*"))
    card = _card(city)
    assert card.loc["S1", "colour_class"] == "met"
    assert card.loc["S2", "colour_class"] == "likely_met"
    assert card.loc["S3", "colour_class"] == "missed"
    assert card.loc["S4", "colour_class"] == "not_assessable"
    assert set(card["colour_rule"]) == {"target"}
    assert card.loc["S3", "target"] == pytest.approx(0.60)
    assert card.loc["S3", "target_gap"] == pytest.approx(0.30 - 0.60)
    # the level-average rule is still computed beside it
    assert card.loc["S3", "vs_average"] == "below"


def test_the_most_specific_target_wins_and_other_indicators_keep_the_average_rule(city):
    # S2's own target 70%: .65 < .70 <= .7127 -> likely missed; the others keep the 60% target for everyone.
    _set_targets(city, (0.60, "*"), (0.70, "S2"))
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="station")
    full = scorecard.scorecard(city, sel)
    card = full.query("indicator == 'visibility'").set_index("jurisdiction")
    assert card.loc["S2", "colour_class"] == "likely_missed"
    assert card.loc["S2", "target"] == pytest.approx(0.70)
    assert card.loc["S1", "colour_class"] == "met"
    other = full.query("indicator != 'visibility'")
    assert other["target"].isna().all() and set(other["colour_rule"]) <= {"average"}
    assert (other["colour_class"] == other["vs_average"]).all()


def test_without_targets_the_colour_is_the_average_rule(city):
    card = _card(city)
    assert set(card["colour_rule"]) == {"average"}
    assert list(card["colour_class"]) == list(card["vs_average"])
    assert card["target_status"].isna().all()


def test_needs_attention_adds_missed_targets_ordered_by_gap(city):
    # Target 70% for all, 95% for S1. S3: missed by .40 (.3668 < .70) and below the average by .316 -> size .40;
    # S2: likely missed (not listed for the target) but a significant fall of .25; S1: above the average yet
    # missed its own 95% (.9343 < .95) by .05.
    _set_targets(city, (0.70, "*"), (0.95, "S1"))
    listed = scorecard.needs_attention(_card(city).reset_index())
    assert list(listed["jurisdiction"]) == ["S3", "S2", "S1"]
    assert list(listed["reason"]) == ["missed+below", "fall", "missed"]
    assert list(listed["size"]) == pytest.approx([0.40, 0.25, 0.05])
    assert listed.loc[0, "target_gap"] == pytest.approx(0.30 - 0.70)


def test_target_rules_say_which_target_colours_each_column(city):
    _set_targets(city, (0.60, "*"), (0.70, "S2"))
    sel = Selection(period_kind="quarter", periods=("2025Q2",), level="station")
    rules = scorecard.target_rules(scorecard.scorecard(city, sel))
    assert list(rules["indicator"]) == ["visibility", "visibility"]  # no other indicator has a target
    assert list(rules["target"]) == pytest.approx([0.60, 0.70])
    assert list(rules["main"]) == [True, False]
    assert list(rules["jurisdictions"]) == [("S1", "S3", "S4"), ("S2",)]
    assert not rules["partly"].any()  # every station has one (S10 has no answers, so no cell)
    assert scorecard.target_rules(scorecard.scorecard(city, sel.with_(jurisdiction_codes=("S1",)))).shape[0] == 1
