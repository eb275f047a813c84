"""Response integrity (issue 18): each check's power at a stated planted effect and its false alarms under the
null (simulated, vectorised: 200 simulations each), the planted demo stations, exclusions and the sensitivity
view against a hand computation, and who may see what."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analytics import auth, integrity, stats, store
from analytics.errors import AccessDenied, UnknownNameError
from analytics.selection import Selection
from analytics.db import execute
from tests.conftest import build_synthetic_city
from analytics.roles import LOCAL_USER

SIMS = 200
UNITS = 16


def _bh_flags(p: np.ndarray) -> np.ndarray:
    """BH q-values per simulation (rows) across units (columns)."""
    return np.vstack([stats.benjamini_hochberg(row) for row in p])


def _false_alarms(p: np.ndarray) -> tuple[float, float]:
    """(share of unit tests with raw p < 0.05, share of simulations with any unit at q < 0.05)."""
    q = _bh_flags(p)
    return float(np.mean(p < 0.05)), float(np.mean((q < 0.05).any(axis=1)))


# Under the null each unit test is at most nominal (exact tests are conservative) and BH keeps the chance of
# any false discovery near 5%; 0.09 leaves room for 200 simulations' Monte Carlo error (sd 1.5 points).
NOMINAL_SLACK = 0.09


# --------------------------------------------------------------------------------------------------
# Simulations
# --------------------------------------------------------------------------------------------------


def _straight_lining_sim(rng, planted: int) -> tuple[np.ndarray, np.ndarray]:
    """16 units x 200 respondents x 8 independent items, each unit with its own top shares (0.35-0.65);
    unit 0 gets ``planted`` coached respondents (all items at the top) in place of honest ones.
    Returns (p-values, flags) per simulation and unit."""
    n = 200
    top_share = rng.uniform(0.35, 0.65, (SIMS, UNITS, 1, 8))
    top = rng.random((SIMS, UNITS, n, 8)) < top_share
    top[:, 0, :planted, :] = True
    share = top.mean(axis=2)                              # the unit's item-level top shares
    k = top.all(axis=3).sum(axis=2).astype(float)
    e = n * share.prod(axis=2)                            # every respondent answered all 8 items
    ps, flags = [], []
    for i in range(SIMS):
        expected, p = integrity.straight_lining_test(k[i], np.full(UNITS, n), e[i])
        q = stats.benjamini_hochberg(p)
        ps.append(p)
        flags.append(integrity.classify(q, k[i] / expected, integrity.MIN_EFFECT["straight_lining"]))
    return np.array(ps), np.array(flags)


def test_straight_lining_units_false_alarms_near_nominal_under_independence():
    p, flags = _straight_lining_sim(np.random.default_rng(1), planted=0)
    per_test, any_bh = _false_alarms(p)
    assert per_test <= 0.06 and any_bh <= NOMINAL_SLACK, (per_test, any_bh)
    assert np.mean(flags == "alert") < 0.01


def test_straight_lining_units_power_at_12_coached_of_200():
    """Stated effect: 12 of a unit's 200 respondents (6%) coached to the top answer on all 8 items, where
    honest straight-lining is well under 1%: the unit is at alert in at least 95% of 200 simulations."""
    _p, flags = _straight_lining_sim(np.random.default_rng(2), planted=12)
    assert np.mean(flags[:, 0] == "alert") >= 0.95
    assert np.mean(flags[:, 1:] == "alert") < 0.01


def _fisher_sim(rng, base: float, planted_rate: float | None, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """16 units of n with a marked share ``base``; unit 0 at ``planted_rate`` when given. One-sided Fisher of
    each unit against the rest, as the duration, repeat and interviewer straight-lining checks run it."""
    rate = np.full(UNITS, base)
    if planted_rate is not None:
        rate[0] = planted_rate
    k = rng.binomial(n, rate, (SIMS, UNITS)).astype(float)
    nn = np.full((SIMS, UNITS), float(n))
    p = integrity.fisher_upper(k, nn, k.sum(axis=1, keepdims=True), nn.sum(axis=1, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = (k.sum(axis=1, keepdims=True) - k) / (nn.sum(axis=1, keepdims=True) - nn)
    return p, k / nn - rest


@pytest.mark.parametrize(("check", "base", "planted"), [("duration", 0.01, 0.10), ("repeat", 0.005, 0.06)])
def test_share_checks_false_alarms_and_power(check, base, planted):
    """Stated effects: 10% of a unit's 200 interviews too short where 1% is usual (duration; at 8% power is
    about 85%); 6% repeat interviews where 0.5% is usual (repeat). Alert in at least 95% of simulations;
    under the null BH's chance of any false discovery stays near 5%."""
    rng = np.random.default_rng(3)
    p0, _e0 = _fisher_sim(rng, base, None)
    per_test, any_bh = _false_alarms(p0)
    assert per_test <= 0.06 and any_bh <= NOMINAL_SLACK, (per_test, any_bh)
    p1, effect = _fisher_sim(rng, base, planted)
    flags = np.vstack([integrity.classify(q, e, integrity.MIN_EFFECT[check])
                       for q, e in zip(_bh_flags(p1), effect, strict=True)])
    assert np.mean(flags[:, 0] == "alert") >= 0.95


def test_interviewer_straight_lining_power_and_null():
    """An interviewer among 3 in a unit (40 respondents each): 50% straight-liners against 10% for the others
    is at alert in at least 95% of simulations (at 40% about 90%); equal rates give false alarms near nominal."""
    rng = np.random.default_rng(4)
    n = np.full((SIMS, 3), 40.0)
    for planted, check in ((None, "null"), (0.50, "power")):
        rate = np.array([planted or 0.10, 0.10, 0.10])
        k = rng.binomial(40, rate, (SIMS, 3)).astype(float)
        p = integrity.fisher_upper(k, n, k.sum(axis=1, keepdims=True), n.sum(axis=1, keepdims=True))
        if check == "null":
            assert np.mean(p < 0.05) <= 0.06
        else:
            rest = (k.sum(axis=1) - k[:, 0]) / 80
            flags = integrity.classify(p[:, 0], k[:, 0] / (40 * rest), integrity.MIN_EFFECT["straight_lining"])
            # one interviewer tested alone here (no BH family): the alert rule itself is what is checked
            assert np.mean(flags == "alert") >= 0.95


def _working_times(rng, n_events: np.ndarray, days: int) -> list[np.ndarray]:
    """Event times (hours of working time) uniform over ``days`` working days of WORKDAY_HOURS each."""
    return [np.sort(rng.uniform(0, days * integrity.WORKDAY_HOURS, int(m))) for m in n_events]


def _max_in_window(times: np.ndarray, window: float) -> int:
    if len(times) == 0:
        return 0
    return int((np.searchsorted(times, times + window, side="right") - np.arange(len(times))).max())


def _burst_sim(rng, planted: int) -> tuple[np.ndarray, np.ndarray]:
    """16 units, each with 40 top-answer interviews over 10 working days; unit 0 gets ``planted`` more within
    25 minutes. Returns (p, flags) per simulation and unit."""
    w = integrity.WINDOW_MIN / 60
    days = 10
    ps, flags = [], []
    for _ in range(SIMS):
        times = _working_times(rng, np.full(UNITS, 40), days)
        if planted:
            start = rng.uniform(0, days * integrity.WORKDAY_HOURS - 1)
            times[0] = np.sort(np.concatenate([times[0], start + rng.uniform(0, 25 / 60, planted)]))
        k = np.array([_max_in_window(t, w) for t in times], dtype=float)
        n = np.array([len(t) for t in times], dtype=float)
        hours = np.full(UNITS, days * integrity.WORKDAY_HOURS)
        p = integrity.scan_pvalue(k, n, hours)
        expected = n / hours * w
        ps.append(p)
        flags.append(integrity.classify(stats.benjamini_hochberg(p), k / expected, integrity.MIN_EFFECT["burst"]))
    return np.array(ps), np.array(flags)


def test_burst_scan_false_alarms_near_nominal_under_uniform_times():
    p, flags = _burst_sim(np.random.default_rng(5), planted=0)
    per_test, any_bh = _false_alarms(p)
    assert per_test <= 0.07 and any_bh <= NOMINAL_SLACK, (per_test, any_bh)
    assert np.mean(flags == "alert") < 0.01


def test_burst_scan_power_at_12_top_answers_in_25_minutes():
    """Stated effect: 12 extra "very satisfied" interviews within 25 minutes in a unit whose 40 others fall
    over 10 working days: alert in at least 95% of 200 simulations."""
    _p, flags = _burst_sim(np.random.default_rng(6), planted=12)
    assert np.mean(flags[:, 0] == "alert") >= 0.95


def test_scan_pvalue_matches_simulated_tail():
    """Alm's approximation against the simulated distribution of the scan statistic (40 events, 100 hours)."""
    rng = np.random.default_rng(7)
    sims = np.array([_max_in_window(np.sort(rng.uniform(0, 100, 40)), 0.5) for _ in range(4000)])
    for k in (3, 4, 5):
        simulated = np.mean(sims >= k)
        approx = float(integrity.scan_pvalue(k, 40, 100.0))
        assert abs(approx - simulated) < 0.25 * simulated + 0.01, (k, approx, simulated)


def test_interviewer_effect_power_and_null():
    """Stated effect: one interviewer of 4 in a unit (100 answers each) at 95% satisfied where the others are at
    75%: alert in at least 95% of 200 simulations (with 60 answers each about 78%); with equal rates false
    alarms stay near nominal."""
    rng = np.random.default_rng(8)
    each = 100
    n = np.full((SIMS, 4), float(each))
    for planted in (None, 0.95):
        rate = np.array([planted or 0.75, 0.75, 0.75, 0.75])
        x = rng.binomial(each, rate, (SIMS, 4)).astype(float)
        xt, nt = x.sum(axis=1, keepdims=True), n.sum(axis=1, keepdims=True)
        p = integrity.fisher_two_sided(x, n, xt, nt)
        if planted is None:
            assert np.mean(p < 0.05) <= 0.06
            over = np.array([integrity.dispersion_test(row, np.full(4, float(each)))[2] for row in x])
            assert np.mean(over < 0.05) <= 0.07
        else:
            q = _bh_flags(p)
            diff = np.abs(x[:, 0] / each - (xt[:, 0] - x[:, 0]) / (3 * each))
            assert np.mean(integrity.classify(q[:, 0], diff, integrity.MIN_EFFECT["interviewer"]) == "alert") >= 0.95


def test_too_perfect_false_alarms_near_nominal():
    """Null: 8 quarterly rates of 200 answers each, binomial around 80% (and near the ceiling, 99.5%, where a
    high rate alone is not "too perfect"): the lower tail rejects at about the nominal rate."""
    rng = np.random.default_rng(9)
    n = np.full(8, 200.0)
    for rate in (0.8, 0.995):
        null = np.array([integrity.dispersion_test(rng.binomial(200, rate, 8), n)[3] for _ in range(SIMS)])
        assert np.nanmean(null < 0.05) <= 0.07


def test_too_perfect_against_simulated_fabrication():
    """A fabricated series: rates drawn far more tightly than sampling allows (sd 0.3 points on 400 answers,
    binomial sd 2 points) is flagged in 95% of simulations after BH across 16 units."""
    rng = np.random.default_rng(10)
    n = np.full(8, 400.0)
    alerts = 0
    for _ in range(SIMS):
        lower = []
        for unit in range(UNITS):
            x = rng.binomial(400, 0.8, 8) if unit else np.round(400 * rng.normal(0.8, 0.003, 8))
            chi2, df, _u, low = integrity.dispersion_test(x, n)
            lower.append(low)
        q = stats.benjamini_hochberg(np.array(lower))
        alerts += integrity.classify(q[:1], [1.0], integrity.MIN_EFFECT["too_perfect"])[0] == "alert"
    assert alerts / SIMS >= 0.95


def test_callback_selection_power_and_null():
    """Five outcome families of 30 closed cases each; stated effect: good outcomes (3 families) called back 90%
    of the time and the others 50%. Alert in at least 95% of 200 simulations; equal rates (80%) near nominal."""
    rng = np.random.default_rng(11)
    closed = np.full(5, 30.0)
    null = np.array([integrity.dispersion_test(rng.binomial(30, 0.8, 5), closed)[2] for _ in range(SIMS)])
    assert np.mean(null < 0.05) <= 0.07
    alerts = 0
    for _ in range(SIMS):
        called = rng.binomial(30, [0.9, 0.9, 0.9, 0.5, 0.5]).astype(float)
        p = integrity.dispersion_test(called, closed)[2]
        diff = called[:3].sum() / 90 - called[3:].sum() / 60
        alerts += integrity.classify([p], [diff], integrity.MIN_EFFECT["callback_selection"],
                                     directional=True)[0] == "alert"
    assert alerts / SIMS >= 0.95


def test_icc_anova_recovers_a_known_correlation():
    """Interviewer random effects with ICC 0.2 on a continuous score: the estimator is near 0.2."""
    rng = np.random.default_rng(12)
    m, each = 200, 30
    effect = rng.normal(0, np.sqrt(0.2), m)
    y = effect[:, None] + rng.normal(0, np.sqrt(0.8), (m, each))
    icc = integrity.icc_anova(np.full(m, each), y.sum(axis=1), (y ** 2).sum(axis=1))
    assert abs(icc - 0.2) < 0.04


def test_classify_caps_and_directions():
    assert list(integrity.classify([0.001, 0.001, 0.03, 0.2, np.nan], [2, 1.1, 5, 5, 5], 1.5)) == [
        "alert", "watch", "watch", "ok", "ok"]
    assert list(integrity.classify([0.001, 0.001], [-0.3, 0.3], 0.1, directional=True)) == ["ok", "alert"]
    assert list(integrity.classify([0.001], [0.3], 0.1, highest="watch")) == ["watch"]


def test_fisher_upper_is_the_hypergeometric_tail():
    """One-sided Fisher exact against scipy's fisher_exact on a 2x2 table."""
    k, n, kt, nt = 9, 30, 15, 200
    expected = sps.fisher_exact([[k, n - k], [kt - k, nt - n - (kt - k)]], alternative="greater").pvalue
    assert float(integrity.fisher_upper(k, n, kt, nt)) == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------------------------------
# The demo city: planted stations
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, built_db):
    """This module's copy of the session's demo city (tests/conftest.py: one pipeline build per session)."""
    from tests.conftest import build_demo_city, copy_db

    return copy_db(built_db("demo", build_demo_city), tmp_path_factory.mktemp("integrity_demo") / "demo.duckdb")


def test_demo_planted_stations_are_flagged_and_no_other_is_at_alert(demo_db):
    con = store.connect(demo_db, read_only=True)
    flags = integrity.integrity_flags(con, Selection(periods=("2026Q3",)))
    # the new optional fields arrived through the ingestion pipeline
    durations = con.execute("SELECT round(duration_min * 60) AS s, count(*) FROM respondents WHERE interview_start "
                            "BETWEEN '2026-08-15 18:00' AND '2026-08-15 18:30' GROUP BY 1").fetchall()
    operators = con.execute("SELECT count(callback_operator) FROM cases WHERE jurisdiction_code = 'S05'").fetchall()
    con.close()
    assert durations == [(35.0, 40)] and operators[0][0] > 0
    alerts = flags[flags["flag"] == "alert"]
    assert set(alerts["jurisdiction"]) == {"S05", "S10"}
    s10 = alerts[alerts["jurisdiction"] == "S10"]
    # coaching: a burst and straight-lining by one interviewer (and the 35-second interviews)
    assert {("burst", "interviewer", "S10-F3"), ("straight_lining", "interviewer", "S10-F3"),
            ("duration", "interviewer", "S10-F3")} <= set(zip(s10["check"], s10["unit_kind"], s10["unit"],
                                                               strict=True))
    burst = s10[(s10["check"] == "burst") & (s10["unit"] == "S10-F3")].iloc[0]
    assert burst["observed"] == 40 and str(burst["window_start"]).startswith("2026-08-15 18:00")
    s05 = alerts[alerts["jurisdiction"] == "S05"]
    assert list(s05["check"]) == ["callback_selection"]
    text = integrity.evidence_text(s05.iloc[0], "en")
    assert "good outcomes" in text and "%" in text
    assert "好结果" in integrity.evidence_text(s05.iloc[0], "zh")


def test_demo_exclusion_changes_the_sensitivity_ranking_and_is_restorable(demo_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    con = store.connect(path)
    sel = Selection(periods=("2026Q3",), user=auth.User("ana", "analyst"))
    before = integrity.sensitivity_table(con, sel).frame
    rows = integrity.flagged_rows(con, sel)
    assert set(rows["unit"]) == {"S10"} and rows["f_burst"].sum() == 40
    n = integrity.exclude_flagged(con, sel)
    assert n == len(rows)
    assert integrity.exclude_flagged(con, sel) == 0  # never excluded twice
    after = integrity.sensitivity_table(con, sel).frame.set_index("jurisdiction")
    s10 = after.loc["S10"]
    assert s10["n_excluded"] == n and s10["n_kept"] == s10["n"] - n
    assert s10["estimate_kept"] < s10["estimate"]
    np.testing.assert_array_equal(after["rank"].to_numpy(), before.set_index("jurisdiction").loc[after.index,
                                                                                                 "rank"].to_numpy())
    listed = integrity.exclusions(con, sel)
    assert len(listed) == n and listed["active"].all()
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log WHERE action LIKE 'integrity.%'").fetchall()]
    assert actions == ["integrity.exclude"]
    assert integrity.restore(con, sel) == n
    restored = integrity.sensitivity_table(con, sel).frame
    assert restored["n_excluded"].sum() == 0
    assert len(integrity.exclusions(con, sel)) == n  # restored rows stay listed
    con.close()


# --------------------------------------------------------------------------------------------------
# Exclusions against a hand computation; scope
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def city(tmp_path):
    con = store.connect(tmp_path / "city.duckdb")
    build_synthetic_city(con)
    yield con
    con.close()


def test_exclusions_change_the_ranking_as_computed_by_hand(city):
    sel = Selection(periods=("2025Q4",), user=auth.User("ana", "analyst"))
    answers = city.execute(
        "SELECT r.respondent_key, r.jurisdiction_code AS station, a.code FROM respondents r JOIN answers a "
        "USING (respondent_key) WHERE a.item = 'satisfaction' AND r.interview_date BETWEEN '2025-10-01' "
        "AND '2025-12-31' AND a.code <> '9'").df()
    answers["y"] = answers["code"].isin(["4", "5"]).astype(float)
    # Set aside two thirds of S3's satisfied respondents: S3 (true rate 0.8) should fall below S2 (0.7).
    s3_happy = answers[(answers["station"] == "S3") & (answers["y"] == 1)]["respondent_key"].to_numpy()
    dropped = s3_happy[: 2 * len(s3_happy) // 3]
    execute(city, "integrity/exclude", {"keys": [int(k) for k in dropped], "reasons": ["test"] * len(dropped),
                                        "period": "2025Q4", "actor": "ana"})
    table = integrity.sensitivity_table(city, sel).frame.set_index("jurisdiction")
    kept = answers[~answers["respondent_key"].isin(dropped)]
    by_hand = {}
    for name, frame in (("all", answers), ("kept", kept)):
        g = frame.groupby("station")["y"].agg(["mean", "size"])
        g = g[g["size"] >= 30]
        by_hand[name] = g.assign(rank=g["mean"].rank(ascending=False, method="min"))
    for station in ("S1", "S2", "S3", "S4"):
        assert table.loc[station, "estimate"] == pytest.approx(by_hand["all"].loc[station, "mean"])
        assert table.loc[station, "rank"] == by_hand["all"].loc[station, "rank"]
        assert table.loc[station, "estimate_kept"] == pytest.approx(by_hand["kept"].loc[station, "mean"])
        assert table.loc[station, "rank_kept"] == by_hand["kept"].loc[station, "rank"]
    assert table.loc["S3", "rank"] == 1 and table.loc["S3", "rank_kept"] > 1
    assert table.loc["S3", "n_excluded"] == len(dropped)
    assert np.isnan(table.loc["S5", "estimate"])  # 20 answers in all: no estimate, no rank


def test_leaders_and_stations_see_flags_but_not_rows(city):
    for user in (auth.User("boss", "leader"), auth.User("s1", "station", "S1")):
        sel = Selection(periods=("2025Q4",), user=user)
        integrity.integrity_flags(city, sel)  # allowed
        for call in (integrity.flagged_rows, integrity.exclude_flagged, integrity.exclusions, integrity.restore):
            with pytest.raises(AccessDenied):
                call(city, sel)


def test_station_user_sees_only_its_own_units_with_the_same_q_values(city):
    leader = integrity.integrity_flags(city, Selection(periods=("2025Q4",), user=auth.User("boss", "leader")))
    station = integrity.integrity_flags(city, Selection(periods=("2025Q4",), user=auth.User("s1", "station", "S1")))
    assert set(leader["jurisdiction"]) >= {"S1", "S2", "S3", "S4"}
    assert set(station["jurisdiction"]) == {"S1"}
    mine = leader[leader["jurisdiction"] == "S1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(station.reset_index(drop=True), mine)
    sens = integrity.sensitivity_table(city, Selection(periods=("2025Q4",), user=auth.User("s1", "station", "S1")))
    assert list(sens.frame["jurisdiction"]) == ["S1"]


def test_integrity_needs_a_period(city):
    with pytest.raises(UnknownNameError):
        integrity.integrity_flags(city, Selection())
