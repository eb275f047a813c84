"""Breakdowns by group and the gap view against hand computations on the crafted city."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from analytics import breakdowns, stats
from analytics.auth import User
from analytics.errors import AccessDenied, UnknownNameError
from analytics.selection import Selection
from tests.data import leaders_city

SEL = Selection(period_kind="quarter", periods=("2025Q2",), level="station")


@pytest.fixture
def city(empty_db):
    leaders_city.build(empty_db)
    return empty_db


def test_grouping_fields_loaded_are_offered(city):
    assert list(breakdowns.group_items(city)["item"]) == ["age_band", "sex"]


def test_rates_by_sex_in_the_city_by_hand(city):
    result = breakdowns.breakdown(city, SEL, "visibility", "C", "sex").groups.set_index("group")
    # 2025Q2: men are S1 (180/200) and S3 (60/200); women S2 (130/200) and S4 (6/10).
    assert result.loc["男", "n"] == 400
    assert result.loc["男", "estimate"] == pytest.approx(240 / 400)
    assert result.loc["女", "estimate"] == pytest.approx(136 / 210)
    low, high = stats.wilson_interval(240, 400)
    assert (result.loc["男", "ci_low"], result.loc["男", "ci_high"]) == pytest.approx((low, high))


def test_small_groups_are_suppressed(city):
    result = breakdowns.breakdown(city, SEL, "visibility", "D2", "age_band").groups.set_index("group")
    assert result.loc["45-59", "flag"] == "suppressed"  # S4's 10 answers
    assert math.isnan(result.loc["45-59", "estimate"])
    gaps = breakdowns.breakdown(city, SEL, "visibility", "D2", "age_band").gaps
    assert gaps.empty  # one usable group left: nothing to compare


def test_gap_between_groups_by_hand(city):
    gaps = breakdowns.breakdown(city, SEL, "visibility", "C", "age_band").gaps
    pair = gaps[(gaps["group_a"] == "18-29") & (gaps["group_b"] == "30-44")].iloc[0]
    pa, pb = 240 / 400, 130 / 200
    se = math.sqrt(pa * (1 - pa) / 400 + pb * (1 - pb) / 200)
    assert pair["gap"] == pytest.approx(pa - pb)
    assert pair["gap_se"] == pytest.approx(se)
    assert pair["ci_low"] == pytest.approx(pa - pb - norm.ppf(0.975) * se)
    assert pair["p_value"] == pytest.approx(2 * norm.sf(abs(pa - pb) / se))
    assert len(gaps) == 1  # 45-59 (10 answers) is suppressed and takes no part
    assert pair["p_adjusted"] == pytest.approx(pair["p_value"])


def test_weighted_equals_unweighted_with_unit_weights(city):
    plain = breakdowns.breakdown(city, SEL, "visibility", "C", "sex").groups
    weighted = breakdowns.breakdown(city, SEL.with_(weighted=True), "visibility", "C", "sex").groups
    assert list(weighted["estimate"]) == pytest.approx(list(plain["estimate"]))
    # n/(n-1) correction of the linearised variance: se² = p(1-p)/(n-1)
    p = 240 / 400
    assert weighted.set_index("group").loc["男", "se"] == pytest.approx(math.sqrt(p * (1 - p) / 399))


def test_scoped_user_cannot_break_down_another_jurisdiction(city):
    city.execute("INSERT INTO users (username, password_hash, role, jurisdiction_code) "
                 "VALUES ('s1', 'x', 'station', 'S1')")
    user = User("s1", "station", "S1")
    with pytest.raises(AccessDenied):
        breakdowns.breakdown(city, SEL.with_(user=user), "visibility", "S3", "sex")
    with pytest.raises(UnknownNameError):
        breakdowns.breakdown(city, SEL, "visibility", "C", "no_such_item")
