"""Case metrics, the open loop and the link to surveys on a hand-computable case fixture.

The fixture city: C > D1 (S1, S2), D2 (S3). Batch 1 is the main case export, batch 2 a later
update (closes A3, rectifies A2, re-opens A9), batch 3 a case export that was removed (its rows,
including a later timestamp and a contradicting row for B1, must be ignored). Every expected
number below is worked out by hand in the comments.
"""

from analytics.selection import Selection
import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analytics import cases, link, store
from analytics.auth import User
from analytics.roles import LOCAL_USER

CASES_SQL = """
INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population) VALUES
    ('C', '测试市', 'Test City', NULL, 'city', 300),
    ('D1', '一区', 'District One', 'C', 'district', 200),
    ('D2', '二区', 'District Two', 'C', 'district', 100),
    ('S1', '甲派出所', 'Station A', 'D1', 'station', 100),
    ('S2', '乙派出所', 'Station B', 'D1', 'station', 100),
    ('S3', '丙派出所', 'Station C', 'D2', 'station', 100);
INSERT INTO batches (batch_id, kind, source_name, sha256, row_count, status) VALUES
    (1, 'cases', 'main.csv', 'a', 12, 'loaded'),
    (2, 'cases', 'update.csv', 'b', 3, 'loaded'),
    (3, 'cases', 'wrong.csv', 'c', 2, 'removed');
INSERT INTO case_events (batch_id, case_id, jurisdiction_code, category, is_small, reported_at, first_response_at,
                         closed_at, status, outcome, mediation_agreed, callback_at, callback_result,
                         rectification_status, rectified_at) VALUES
 -- S1 ---------------------------------------------------------------------------------------------------------
 (1, 'A1', 'S1', 'theft', TRUE, '2025-01-10 08:00', '2025-01-10 08:30', '2025-01-12 08:00', 'closed', 'solved',
     NULL, '2025-01-14 10:00', 'satisfied', NULL, NULL),
 (1, 'A2', 'S1', 'theft', FALSE, '2025-01-20 10:00', '2025-01-20 12:00', '2025-01-30 10:00', 'closed', 'unsolved',
     NULL, '2025-02-01 10:00', 'dissatisfied', 'pending', NULL),
 (2, 'A2', 'S1', 'theft', FALSE, '2025-01-20 10:00', '2025-01-20 12:00', '2025-01-30 10:00', 'closed', 'unsolved',
     NULL, '2025-02-01 10:00', 'dissatisfied', 'rectified', '2025-02-11 10:00'),
 (1, 'A3', 'S1', 'fraud', TRUE, '2025-02-01 00:00', '2025-02-01 04:00', NULL, 'open', NULL,
     NULL, NULL, NULL, NULL, NULL),
 (2, 'A3', 'S1', 'fraud', TRUE, '2025-02-01 00:00', '2025-02-01 04:00', '2025-02-05 00:00', 'closed', 'solved',
     NULL, NULL, NULL, NULL, NULL),
 (1, 'A4', 'S1', 'dispute', TRUE, '2025-02-10 09:00', '2025-02-10 09:15', '2025-02-11 09:00', 'closed', 'mediated',
     TRUE, '2025-02-12 10:00', 'basically_satisfied', NULL, NULL),
 (1, 'A5', 'S1', 'dispute', FALSE, '2025-03-01 09:00', '2025-03-01 10:00', '2025-03-03 09:00', 'closed', 'referred',
     FALSE, '2025-03-05 09:00', 'dissatisfied', 'pending', NULL),
 (1, 'A6', 'S1', 'petition', FALSE, '2025-01-05 09:00', '2025-01-05 15:00', '2025-01-25 09:00', 'closed', 'answered',
     NULL, '2025-01-27 10:00', 'satisfied', NULL, NULL),
 (1, 'A7', 'S1', 'petition', FALSE, '2025-02-01 09:00', '2025-02-02 09:00', '2025-03-15 09:00', 'closed', 'answered',
     NULL, NULL, NULL, NULL, NULL),
 (1, 'A8', 'S1', 'petition', FALSE, '2025-03-20 09:00', NULL, NULL, 'open', NULL,
     NULL, NULL, NULL, NULL, NULL),
 (1, 'A9', 'S1', 'theft', TRUE, '2025-03-08 09:00', '2025-03-08 09:30', '2025-03-10 09:00', 'closed', 'solved',
     NULL, '2025-03-12 10:00', 'satisfied', NULL, NULL),
 (2, 'A9', 'S1', 'theft', TRUE, '2025-03-08 09:00', '2025-03-08 09:30', NULL, 'open', NULL,
     NULL, '2025-03-12 10:00', 'satisfied', NULL, NULL),
 -- S2 ---------------------------------------------------------------------------------------------------------
 (1, 'B1', 'S2', 'theft', TRUE, '2025-01-15 12:00', '2025-01-15 13:00', '2025-01-16 12:00', 'closed', 'solved',
     NULL, '2025-01-18 10:00', 'satisfied', NULL, NULL),
 (1, 'B2', 'S2', 'traffic', FALSE, '2025-04-02 08:00', '2025-04-02 08:06', '2025-04-03 08:00', 'closed', 'answered',
     NULL, '2025-04-05 08:00', 'dissatisfied', NULL, '2025-04-07 08:00'),
 (3, 'B1', 'S2', 'theft', TRUE, '2025-01-15 12:00', '2025-01-15 13:00', '2025-01-16 12:00', 'closed', 'unsolved',
     NULL, '2025-12-01 10:00', 'dissatisfied', 'pending', NULL),
 (3, 'B3', 'S2', 'theft', FALSE, '2025-01-20 12:00', '2025-01-20 13:00', '2025-01-21 12:00', 'closed', 'solved',
     NULL, NULL, NULL, NULL, NULL),
 -- S3 ---------------------------------------------------------------------------------------------------------
 (1, 'C1', 'S3', 'help', TRUE, '2025-06-01 08:00', '2025-06-01 08:30', '2025-06-10 08:00', 'closed', 'answered',
     NULL, '2025-06-12 08:00', 'dissatisfied', 'pending', NULL);
"""
AS_OF = dt.datetime(2025, 6, 12, 8, 0)  # C1's callback: the latest time in the loaded batches


@pytest.fixture
def case_db(tmp_path):
    """The case fixture with suppression off (thresholds 0) so every hand-computed value shows."""
    con = store.connect(tmp_path / "cases.duckdb")
    con.execute(CASES_SQL)
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")
    yield con
    con.close()


def value(table, metric, jurisdiction, period="all", column="value"):
    rows = table[(table["metric"] == metric) & (table["jurisdiction"] == jurisdiction) & (table["period"] == period)]
    assert len(rows) == 1, (metric, jurisdiction, period, len(rows))
    return rows.iloc[0][column]


def test_as_of_is_latest_time_in_loaded_batches(case_db):
    assert cases.latest_data_time(case_db) == AS_OF  # the removed batch's 2025-12-01 callback is ignored


def test_station_rates_by_hand(case_db):
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'))
    # Closed theft/fraud in S1: A1 solved, A2 unsolved, A3 solved (closed by the update); A9 was re-opened.
    assert value(t, "solved_rate", "S1", column="n") == 3
    assert value(t, "solved_rate", "S1") == pytest.approx(2 / 3)
    low, high = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert value(t, "solved_rate", "S1", column="ci_low") == pytest.approx(low)
    assert value(t, "solved_rate", "S1", column="ci_high") == pytest.approx(high)
    assert value(t, "solved_rate", "S1", column="se") == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))
    # Small ones among them: A1, A3, both solved.
    assert (value(t, "small_solved_rate", "S1", column="n"), value(t, "small_solved_rate", "S1")) == (2, 1.0)
    # Closed disputes A4 (agreement) and A5 (referred, no agreement).
    assert (value(t, "mediation_rate", "S1", column="n"), value(t, "mediation_rate", "S1")) == (2, 0.5)
    # Closed: A1-A7 (A8 open, A9 re-opened); called back: A1, A2, A4, A5, A6 (A3 and A7 have none).
    assert value(t, "callback_coverage", "S1", column="n") == 7
    assert value(t, "callback_coverage", "S1") == pytest.approx(5 / 7)
    # Results: satisfied A1, A6; basically satisfied A4; dissatisfied A2, A5 -> (2 + 1) / 5 with weight 1.
    assert value(t, "callback_satisfaction", "S1", column="n") == 5
    assert value(t, "callback_satisfaction", "S1") == pytest.approx(0.6)
    # Petitions: A6 answered in 20 days, A7 in 42 days (late), A8 unanswered and past its deadline.
    assert value(t, "petition_on_time", "S1", column="n") == 3
    assert value(t, "petition_on_time", "S1") == pytest.approx(1 / 3)
    # Dissatisfied callbacks: A2 (rectified in the update after 10 days), A5 (pending).
    assert (value(t, "rectification_rate", "S1", column="n"), value(t, "rectification_rate", "S1")) == (2, 0.5)
    assert value(t, "rectify_days_median", "S1") == pytest.approx(10.0)
    # The removed batch does not count: S2 has only B1 (solved) as a closed crime case.
    assert (value(t, "solved_rate", "S2", column="n"), value(t, "solved_rate", "S2")) == (1, 1.0)


def test_station_durations_by_hand(case_db):
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'))
    # Hours to first response in S1 (A8 has none): .5, 2, 4, .25, 1, 6, 24, .5
    hours = [0.25, 0.5, 0.5, 1, 2, 4, 6, 24]
    assert value(t, "response_hours_median", "S1", column="n") == 8
    assert value(t, "response_hours_median", "S1") == pytest.approx(1.5)
    assert value(t, "response_hours_p90", "S1") == pytest.approx(6 + 0.3 * 18)   # linear interpolation: 11.4
    assert value(t, "response_hours_p90", "S1") == pytest.approx(np.quantile(hours, 0.9))
    # Days to close over closed cases: 2, 10, 4, 1, 2, 20, 42
    assert value(t, "close_days_median", "S1", column="n") == 7
    assert value(t, "close_days_median", "S1") == pytest.approx(4.0)
    assert value(t, "close_days_p90", "S1") == pytest.approx(20 + 0.4 * 22)       # 28.8
    assert value(t, "close_days_p90", "S1", column="unit") == "days"
    assert np.isnan(value(t, "close_days_p90", "S1", column="ci_low"))


def test_rollups_pool_case_rows_not_station_rates(case_db):
    d = cases.case_metrics(case_db, Selection(period_kind='all', level='district'))
    # D1 = S1 + S2: solved 3 of 4 (A1, A3, B1 of A1, A2, A3, B1), not the mean (2/3 + 1) / 2.
    assert value(d, "solved_rate", "D1") == pytest.approx(3 / 4)
    assert value(d, "callback_coverage", "D1") == pytest.approx(7 / 9)
    # B2 counts as rectified because rectified_at is set (status left empty): A2, B2 of A2, A5, B2.
    assert value(d, "rectification_rate", "D1") == pytest.approx(2 / 3)
    assert value(d, "rectify_days_median", "D1") == pytest.approx((10 + 2) / 2)
    c = cases.case_metrics(case_db, Selection(period_kind='all', level='city'))
    assert value(c, "rectification_rate", "C") == pytest.approx(2 / 4)  # + C1 pending
    assert value(c, "callback_coverage", "C", column="n") == 10


def test_periods_follow_reported_at(case_db):
    q = cases.case_metrics(case_db, Selection(period_kind='quarter', level='district'))
    assert set(q[q["jurisdiction"] == "D1"]["period"]) == {"2025Q1", "2025Q2"}
    assert value(q, "callback_coverage", "D1", "2025Q2", column="n") == 1       # B2 only
    assert value(q, "callback_coverage", "D1", "2025Q1") == pytest.approx(6 / 8)
    months = cases.case_metrics(case_db, Selection(period_kind="month", periods=("2025-02",), level="station"),
                                metrics=["solved_rate"])
    assert list(months["period"].unique()) == ["2025-02"]
    assert value(months, "solved_rate", "S1", "2025-02") == 1.0                 # A3
    assert cases.case_months(case_db)[0] == dt.date(2025, 1, 1)


def test_settings_change_weights_and_deadlines(case_db):
    store.set_setting(case_db, "basic_satisfied_weight", 0.5, user=LOCAL_USER)
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'), metrics=['callback_satisfaction'])
    assert value(t, "callback_satisfaction", "S1") == pytest.approx(2.5 / 5)
    store.set_setting(case_db, "petition_deadline_days", 45, user=LOCAL_USER)      # A7 (42 days) becomes on time
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'), metrics=['petition_on_time'])
    assert value(t, "petition_on_time", "S1") == pytest.approx(2 / 3)
    store.set_setting(case_db, "petition_deadline_days", 90, user=LOCAL_USER)      # A8's deadline (2025-06-18) not yet passed
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'), metrics=['petition_on_time'])
    assert (value(t, "petition_on_time", "S1", column="n"), value(t, "petition_on_time", "S1")) == (2, 1.0)


def test_small_bases_are_suppressed_for_rates_and_durations(case_db):
    store.set_setting(case_db, "suppress_below_n_eff", 3, user=LOCAL_USER)
    store.set_setting(case_db, "caution_below_n_eff", 5, user=LOCAL_USER)
    t = cases.case_metrics(case_db, Selection(period_kind='all', level='station'))
    assert value(t, "solved_rate", "S1", column="flag") == "caution"           # n = 3
    assert value(t, "small_solved_rate", "S1", column="flag") == "suppressed"  # n = 2
    for column in ("value", "se", "ci_low", "ci_high"):
        assert np.isnan(value(t, "small_solved_rate", "S1", column=column))
    assert value(t, "small_solved_rate", "S1", column="n") == 2                # the base is still shown
    assert np.isnan(value(t, "rectify_days_median", "S1"))                    # n = 1
    assert value(t, "close_days_median", "S1", column="flag") == "ok"          # n = 7
    cell = cases.metric_cell(t[(t["metric"] == "rectify_days_median") & (t["jurisdiction"] == "S1")].iloc[0], "en")
    assert cell == "suppressed (n=1)"


def test_open_loop_oldest_first_with_days_waited(case_db):
    loop = cases.open_loop(case_db, Selection(level='district'))
    assert list(loop["case_id"]) == ["A5", "C1"]              # A2 rectified, B2 has a rectification time
    assert list(loop["jurisdiction"]) == ["D1", "D2"]
    assert loop["days_waited"].iloc[0] == pytest.approx((AS_OF - dt.datetime(2025, 3, 5, 9)).total_seconds() / 86400)
    assert loop["days_waited"].iloc[1] == pytest.approx(0.0)
    assert (loop["as_of"] == AS_OF).all()
    summary = cases.open_loop_summary(case_db, Selection(level='station')).set_index("jurisdiction")
    assert summary.loc["S1", ["dissatisfied", "pending"]].tolist() == [2, 1]
    assert summary.loc["S2", ["dissatisfied", "pending"]].tolist() == [1, 0]
    assert np.isnan(summary.loc["S2", "oldest_days"])
    assert summary.loc["S1", "oldest_days"] == pytest.approx(98 + 23 / 24)


def test_station_user_sees_only_its_own_cases(case_db):
    user = User("s1", "station", "S1")
    stations = cases.case_metrics(case_db, Selection(period_kind='all', level='station', user=user))
    assert set(stations["jurisdiction"]) == {"S1"}
    city = cases.case_metrics(case_db, Selection(period_kind='all', level='city', user=user))
    assert set(city["jurisdiction"]) == {"C"}                # the average above is allowed
    assert list(cases.open_loop(case_db, Selection(level='city', user=user))["case_id"]) == ["A5"]  # never C1 of S3


def test_unknown_names_raise_user_errors(case_db):
    from analytics.errors import UnknownNameError

    with pytest.raises(UnknownNameError):
        cases.case_metrics(case_db, Selection(period_kind='week'))
    with pytest.raises(UnknownNameError):
        cases.case_metrics(case_db, Selection(), metrics=['nonsense'])


def test_no_cases_gives_empty_tables(empty_db):
    assert cases.case_metrics(empty_db, Selection(period_kind='all')).empty
    assert cases.latest_data_time(empty_db) is None
    assert cases.open_loop(empty_db, Selection()).empty


# --- link to surveys -----------------------------------------------------------------------------

def add_survey(con):
    """Satisfaction answers: S1 4 of 10 top-2-box, S2 4 of 5, S3 2 of 4 (one don't-know in S3)."""
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (9, 'survey', 's', 's', 20)")
    codes = {"S1": ["5", "4", "5", "4", "3", "2", "1", "3", "2", "1"], "S2": ["5", "5", "4", "4", "1"],
             "S3": ["5", "4", "2", "1", "9"]}
    key = 0
    for station, answers in codes.items():
        for code in answers:
            key += 1
            con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, "
                        "interview_date) VALUES ($k, 9, $r, $s, DATE '2025-02-01')",
                        {"k": key, "r": f"r{key}", "s": station})
            con.execute("INSERT INTO answers VALUES ($k, 9, 'satisfaction', $c)", {"k": key, "c": code})
    from analytics import engine

    engine.refresh_cells(con)


def test_link_table_and_spearman(case_db):
    add_survey(case_db)
    table = link.link_table(case_db, Selection(period_kind='all'), metric='callback_satisfaction', indicator='satisfaction')
    assert list(table["jurisdiction"]) == ["S1", "S2", "S3"]
    assert table["metric_value"].tolist() == pytest.approx([0.6, 0.5, 0.0])
    assert table["indicator_estimate"].tolist() == pytest.approx([0.4, 0.8, 0.5])
    store.set_setting(case_db, "suppress_below_n_eff", 2, user=LOCAL_USER)   # S3's single callback is now suppressed
    assert list(link.link_table(case_db, Selection(period_kind='all'), metric='callback_satisfaction', indicator='satisfaction')["jurisdiction"]) \
        == ["S1", "S2"]


def test_spearman_by_hand_and_bootstrap_is_seeded():
    x, y = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]
    result = link.spearman(x, y, n_boot=500, seed=3)
    # d = -1, 1, -1, 1, -1, 1: rho = 1 - 6 * 6 / (6 * 35) = 0.828571...
    assert result.rho == pytest.approx(1 - 36 / 210)
    assert result.p_value == pytest.approx(sps.spearmanr(x, y).pvalue)
    assert -1 <= result.ci_low <= result.rho <= result.ci_high <= 1
    assert result == link.spearman(x, y, n_boot=500, seed=3)
    assert np.isnan(link.spearman([1, 2], [3, 4]).rho)


def test_self_report_gap_z_test_by_hand(case_db):
    add_survey(case_db)
    gaps = link.self_report_gap(case_db, Selection(period_kind='all'), alpha=0.2).set_index("jurisdiction")
    # S1: callback 3/5 = 0.6 vs survey 4/10 = 0.4.
    se = math.sqrt(0.6 * 0.4 / 5 + 0.4 * 0.6 / 10)
    assert gaps.loc["S1", "gap"] == pytest.approx(0.2)
    assert gaps.loc["S1", "z"] == pytest.approx(0.2 / se)
    assert gaps.loc["S1", "p_value"] == pytest.approx(2 * sps.norm.sf(0.2 / se))
    assert gaps.loc["S1", "gap_low"] == pytest.approx(0.2 - 1.959963984540054 * se)
    # Gaps S1 0.2, S2 0.5 - 0.8 = -0.3, S3 0 - 0.5 = -0.5: the reference (median) is -0.3.
    assert gaps["reference_gap"].iloc[0] == pytest.approx(-0.3)
    assert gaps.loc["S1", "excess"] == pytest.approx(0.5)
    p_s1 = 2 * sps.norm.sf(0.5 / se)
    p_s3 = 2 * sps.norm.sf(0.2 / math.sqrt(0 + 0.5 * 0.5 / 4))
    # Benjamini-Hochberg over (p_s1, 1, p_s3): p_s1 is the smallest, times 3.
    assert gaps.loc["S1", "p_excess_adjusted"] == pytest.approx(min(3 * p_s1, 1.5 * p_s3, 1.0))
    assert bool(gaps.loc["S1", "flagged"]) and not gaps.loc[["S2", "S3"], "flagged"].any()
    assert not link.self_report_gap(case_db, Selection(period_kind='all'))["flagged"].any()   # at alpha 0.05 the excess is not significant
    assert list(link.self_report_gap(case_db, Selection(period_kind='all'))["jurisdiction"]) == ["S1", "S2", "S3"]  # largest gap first
