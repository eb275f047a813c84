"""Formatting of mean scores: with their unit, never as a percentage; rates unchanged."""

import numpy as np

from analytics.presentation import change_cell, estimate_text, interval_text, rate_cell, value_text

MEAN = {"kind": "mean", "unit": "/ 10", "scale_min": 0.0, "scale_max": 10.0, "n": 1701, "flag": "ok",
        "estimate": 5.8954, "ci_low": 5.81, "ci_high": 5.98}


def test_mean_score_is_shown_with_its_unit_not_as_a_percentage():
    assert estimate_text(MEAN) == "5.9 / 10"
    assert rate_cell(MEAN, "en") == "5.9 / 10 (5.8–6.0) n=1701"
    assert "%" not in rate_cell(MEAN, "zh")
    assert interval_text(5.81, 5.98, row=MEAN) == "5.8–6.0"
    assert rate_cell({**MEAN, "flag": "suppressed", "estimate": np.nan}, "en") == "suppressed (n=1701)"


def test_short_scales_get_two_decimals_and_changes_are_score_points():
    five = {**MEAN, "unit": "/ 5", "scale_min": 1.0, "scale_max": 5.0, "estimate": 3.844}
    assert estimate_text(five) == "3.84 / 5"
    assert change_cell({**MEAN, "change": 0.31, "direction": "up"}) == "▲ +0.3"
    assert change_cell({**five, "change": -0.125, "direction": ""}) == "-0.12"


def test_rates_keep_their_percentage_format():
    rate = {"kind": "rate", "unit": "", "n": 412, "flag": "ok", "estimate": 0.783, "ci_low": 0.741, "ci_high": 0.82}
    assert rate_cell(rate, "en") == "78.3% (74.1–82.0) n=412"
    assert value_text(0.5, rate) == "50.0%" and value_text(0.5, {}) == "50.0%"
    assert change_cell({"kind": "rate", "change": 0.052, "direction": "up"}) == "▲ +5.2"
