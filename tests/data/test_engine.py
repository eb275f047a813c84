"""The indicator engine on the hand-computable fixture city (tests/data/fixture_survey.sql)."""

from analytics.selection import Selection
import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics import engine, store
from analytics.definitions import get_indicator, save_indicator
from analytics.roles import LOCAL_USER


def row(table, **where):
    mask = np.ones(len(table), dtype=bool)
    for key, value in where.items():
        mask &= (table[key] == value).to_numpy()
    assert mask.sum() == 1, f"expected one row for {where}, got {mask.sum()}"
    return table[mask].iloc[0]


def test_station_rate_excludes_dont_know(fixture_db):
    table = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility'])
    s1 = row(table, jurisdiction="S1", period="2025Q1")
    assert (s1["n"], s1["n_dk"]) == (3, 1)
    assert s1["estimate"] == pytest.approx(2 / 3)
    low, high = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert (s1["ci_low"], s1["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert s1["se"] == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))


def test_rollup_is_computed_from_respondents_not_station_rates(fixture_db):
    table = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='district'), indicators=['visibility'])
    d1 = row(table, jurisdiction="D1", period="2025Q1")
    assert d1["n"] == 5
    assert d1["estimate"] == pytest.approx(3 / 5)          # not (2/3 + 1/2) / 2
    city = engine.indicator_table(fixture_db, Selection(period_kind='all', level='city'), indicators=['visibility'])
    assert row(city, jurisdiction="C")["estimate"] == pytest.approx(5 / 8)
    assert row(city, jurisdiction="C")["n_dk"] == 1


def test_period_labels_and_pooling(fixture_db):
    months = engine.indicator_table(fixture_db, Selection(period_kind='month', level='city'), indicators=['visibility'])
    assert list(months["period"]) == ["2025-01", "2025-02", "2025-04", "2026-04"]
    years = engine.indicator_table(fixture_db, Selection(period_kind='year', level='city'), indicators=['visibility'])
    assert list(years["period"]) == ["2025", "2026"]
    assert row(years, period="2025")["estimate"] == pytest.approx(5 / 7)
    rolling = engine.indicator_table(fixture_db, Selection(period_kind='rolling12', level='city'), indicators=['visibility'])
    # data from 2025-01 to 2026-04: complete windows end 2025-12 .. 2026-04; 2026-04R12 holds 2025-05..2026-04
    assert row(rolling, period="2025-12R12")["n"] == 7
    assert row(rolling, period="2026-04R12")["n"] == 1
    assert "2025-11R12" not in set(rolling["period"])


def test_top2_box_and_three_level_scale_weight(fixture_db):
    table = engine.indicator_table(fixture_db, Selection(period_kind='all', level='station'), indicators=['satisfaction'])
    assert row(table, jurisdiction="S1")["estimate"] == pytest.approx(2 / 3)
    three = engine.indicator_table(fixture_db, Selection(period_kind='all', level='station'), indicators=['satisfaction_3'])
    assert row(three, jurisdiction="S1")["estimate"] == pytest.approx(2 / 3)   # 基本满意 counts as satisfied
    definition = get_indicator(fixture_db, "satisfaction_3")
    save_indicator(fixture_db, definition.__class__(**{**definition.__dict__,
                                                       "scoring": {"3": 1.0, "2": 0.5, "1": 0.0}}), user=LOCAL_USER)
    engine.refresh_cells(fixture_db)
    three = engine.indicator_table(fixture_db, Selection(period_kind='all', level='station'), indicators=['satisfaction_3'])
    assert row(three, jurisdiction="S1")["estimate"] == pytest.approx(0.5)


def test_weighted_estimate_and_linearised_se_by_hand(fixture_db):
    table = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station', weighted=True), indicators=['visibility'])
    s1 = row(table, jurisdiction="S1", period="2025Q1")
    w = np.array([1.0, 2.0, 1.0])
    y = np.array([1.0, 1.0, 0.0])
    p = (w * y).sum() / w.sum()
    var = 3 / 2 * ((w * (y - p)) ** 2).sum() / w.sum() ** 2
    assert s1["estimate"] == pytest.approx(0.75)
    assert s1["se"] == pytest.approx(math.sqrt(var))
    assert s1["n_eff"] == pytest.approx(16 / 6)
    assert s1["deff"] == pytest.approx(3 / (16 / 6))
    # svyciprop's quantile: t on degf = 3 PSUs - 1 stratum = 2 degrees of freedom (not z = 1.96)
    t2 = 4.302652729749462
    logit = math.log(p / (1 - p))
    half = t2 * math.sqrt(var) / (p * (1 - p))
    assert s1["ci_low"] == pytest.approx(1 / (1 + math.exp(-(logit - half))))
    assert s1["ci_high"] == pytest.approx(1 / (1 + math.exp(-(logit + half))))


def test_small_bases_are_suppressed_with_no_number(fixture_db):
    store.set_setting(fixture_db, "suppress_below_n_eff", 3, user=LOCAL_USER)
    store.set_setting(fixture_db, "caution_below_n_eff", 5, user=LOCAL_USER)
    table = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility'])
    s2 = row(table, jurisdiction="S2", period="2025Q1")
    assert s2["flag"] == "suppressed"
    assert s2["n"] == 2
    assert s2[["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert row(table, jurisdiction="S1", period="2025Q1")["flag"] == "caution"
    d1 = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='district'), indicators=['visibility'])
    assert row(d1, jurisdiction="D1", period="2025Q1")["flag"] == "ok"


def test_changes_compare_with_the_right_period(fixture_db):
    table = engine.add_changes(
        engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility']),
        lag="year")
    s3 = row(table, jurisdiction="S3", period="2026Q2")
    assert s3["prev_period"] == "2025Q2"
    assert s3["change"] == pytest.approx(-1.0)
    # 2/2 then 0/1: pooled p = 2/3, se = sqrt(2/3 * 1/3 * (1/2 + 1)) = sqrt(1/3), z = -1/sqrt(1/3) = -sqrt(3);
    # the only test in its period, so BH leaves p = 2 Phi(-sqrt(3)) = 0.0833 unadjusted: not significant at 5%
    assert s3["z"] == pytest.approx(-math.sqrt(3), rel=1e-12)
    assert s3["p_value"] == pytest.approx(0.08326451666355042, rel=1e-9)
    assert s3["p_adjusted"] == pytest.approx(s3["p_value"], rel=1e-12)
    assert not s3["significant"] and s3["direction"] == ""
    # ... and significant, so "down", at alpha = 0.10
    at_10 = engine.add_changes(
        engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility']),
        lag="year", alpha=0.10)
    assert row(at_10, jurisdiction="S3", period="2026Q2")["direction"] == "down"
    quarterly = engine.add_changes(
        engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility']))
    assert row(quarterly, jurisdiction="S3", period="2026Q2")["prev_period"] == "2026Q1"
    assert math.isnan(row(quarterly, jurisdiction="S3", period="2026Q2")["change"])


def test_changes_for_chosen_periods_equal_the_whole_table_filtered(synthetic_db_path):
    import duckdb

    con = duckdb.connect(str(synthetic_db_path), read_only=True)
    table = engine.indicator_table(con, Selection(period_kind='month', level='station'))
    con.close()
    chosen = sorted(table["period"].unique())[-4:]
    for lag in ("previous", "year"):
        whole = engine.add_changes(table, lag=lag)
        whole = whole[whole["period"].isin(chosen)]
        narrowed = engine.add_changes(table, lag=lag, periods=chosen)
        assert len(narrowed) == len(whole) > 0
        assert narrowed["change"].notna().any()
        pd.testing.assert_frame_equal(narrowed.reset_index(drop=True), whole.reset_index(drop=True))


def test_filters_by_jurisdiction_and_date(fixture_db):
    import datetime as dt

    table = engine.indicator_table(fixture_db, Selection(period_kind="quarter", periods=("2026Q1", "2026Q2"),
                                                         level="station", jurisdiction_codes=("S3",)),
                                   indicators=["visibility"])
    assert list(zip(table["jurisdiction"], table["period"], strict=True)) == [("S3", "2026Q2")]


def test_csv_and_json_never_carry_a_suppressed_number(fixture_db):
    """S2 in 2025Q1 has 2 answers (yes, no): 50% unweighted, 25% weighted (weights 1 and 3), Wilson
    0.0945-0.9055. With the threshold at 3 it is suppressed, and no export of the engine's table may carry
    those numbers; with suppression off the same export does (so the check can see them)."""
    from analytics.output import to_csv_text, to_json_text

    def s2_exports(weighted):
        table = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station', weighted=weighted), indicators=['visibility'])
        s2 = table[(table["jurisdiction"] == "S2") & (table["period"] == "2025Q1")]
        records = json.loads(to_json_text(s2))
        return to_csv_text(s2).splitlines()[1], records[0]

    unweighted_line, unweighted = s2_exports(False)
    assert unweighted["estimate"] == 0.5 and "0.5" in unweighted_line.split(",")  # visible when not suppressed
    store.set_setting(fixture_db, "suppress_below_n_eff", 3, user=LOCAL_USER)
    for weighted, rate in ((False, 0.5), (True, 0.25)):
        line, record = s2_exports(weighted)
        assert record["flag"] == "suppressed" and record["n"] == 2
        for key in ("estimate", "se", "ci_low", "ci_high"):
            assert record[key] is None, (weighted, key)
        fields = line.split(",")
        assert str(rate) not in fields and "0.094531" not in fields and "0.905469" not in fields, line
        assert fields[engine.TIDY_COLUMNS.index("estimate")] == fields[engine.TIDY_COLUMNS.index("ci_high")] == ""
