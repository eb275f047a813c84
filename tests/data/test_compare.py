"""Comparing jurisdictions (analytics.compare) on a constructed city whose figures are known by hand.

The city: C > D1 (S1–S4), D2 (S5–S7); item seen_police (indicator ``visibility``) asked in one interview
month per quarter of 2025. In 2025Q4: S1 50/100, S2 55/100, S3 60/100, S4 52/100, S5 67/120, the outlier
S6 170/200 and the tiny S7 9/10 (suppressed: effective base below 30). S1 rises 40→45→50→50 over the
year; the others are flat. Q1–Q2 come from a phone batch, Q3–Q4 from a face-to-face batch (a mode break
between the interview months 2025-05 and 2025-08). Expected figures are computed here from these counts
with closed forms, independently of analytics.stats wherever the formula is short.
"""

from __future__ import annotations

from analytics.selection import Selection

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analytics import compare, engine, peers, stats, store, trends
from analytics.cli import main
from analytics.errors import JingminError, UnknownNameError
from analytics.output import to_csv_text
from analytics.roles import LOCAL_USER, User

Q4 = {"S1": (100, 50), "S2": (100, 55), "S3": (100, 60), "S4": (100, 52), "S5": (120, 67), "S6": (200, 170),
      "S7": (10, 9)}
EARLIER = {"S1": [(100, 40), (100, 45), (100, 50)]}  # other stations: Q4's counts in every quarter
MONTHS = ["2025-02-15", "2025-05-15", "2025-08-15", "2025-11-15"]
Z95, Z998 = sps.norm.ppf(0.975), sps.norm.ppf(0.999)


def _build(con) -> None:
    con.execute("""
        INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES
        ('C', '测试市', 'Test City', NULL, 'city'), ('D1', '一区', 'District One', 'C', 'district'),
        ('D2', '二区', 'District Two', 'C', 'district'),
        ('S1', '甲所', 'Station 1', 'D1', 'station'), ('S2', '乙所', 'Station 2', 'D1', 'station'),
        ('S3', '丙所', 'Station 3', 'D1', 'station'), ('S4', '丁所', 'Station 4', 'D1', 'station'),
        ('S5', '戊所', 'Station 5', 'D2', 'station'), ('S6', '己所', 'Station 6', 'D2', 'station'),
        ('S7', '庚所', 'Station 7', 'D2', 'station')""")
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count, survey_mode) VALUES "
                "(1, 'survey', 'phone.csv', 'a', 0, 'phone'), (2, 'survey', 'f2f.csv', 'b', 0, 'face_to_face')")
    rows = []
    for code, (n4, x4) in Q4.items():
        counts = EARLIER.get(code, [(n4, x4)] * 3) + [(n4, x4)]
        for quarter, (n, x) in enumerate(counts):
            for i in range(n):
                rows.append((code, MONTHS[quarter], 1 if quarter < 2 else 2, "1" if i < x else "0"))
        if code == "S1":  # two don't-know answers in Q4: counted in n_dk, not in the base
            rows += [(code, MONTHS[3], 2, "9"), (code, MONTHS[3], 2, "9")]
    frame = pd.DataFrame(rows, columns=["jurisdiction_code", "interview_date", "batch_id", "code"])
    frame["respondent_key"] = np.arange(1, len(frame) + 1)
    # unequal weights in S6 and S2 only, so weighted and unweighted figures differ there
    frame["weight"] = np.where(frame["jurisdiction_code"].isin(["S2", "S6"]),
                               np.where(frame["respondent_key"] % 3 == 0, 2.5, 0.8), 1.0)
    people = frame  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,"
                " design_weight, weight) SELECT respondent_key, batch_id, 'r' || respondent_key, jurisdiction_code, "
                "CAST(interview_date AS DATE), weight, weight FROM people")
    con.execute("INSERT INTO answers SELECT respondent_key, batch_id, 'seen_police', code FROM people")
    engine.refresh_cells(con)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "template.duckdb"
    con = store.connect(path)
    _build(con)
    con.close()
    return path


@pytest.fixture
def db_path(template, tmp_path) -> Path:
    path = tmp_path / "compare.duckdb"
    shutil.copyfile(template, path)
    return path


@pytest.fixture
def con(db_path):
    connection = store.connect(db_path)
    yield connection
    connection.close()


def _unsuppressed() -> dict[str, tuple[int, int]]:
    return {code: nx for code, nx in Q4.items() if code != "S7"}


def _p0(codes=None) -> float:
    chosen = {c: nx for c, nx in _unsuppressed().items() if codes is None or c in codes}
    return sum(x for _n, x in chosen.values()) / sum(n for n, _x in chosen.values())


# ------------------------------------------------------------------------------------------ funnel


def test_funnel_limits_and_z_equal_the_closed_form_around_the_pooled_rate(con):
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame
    assert list(table.columns) == compare.COMPARE_COLUMNS
    p0 = _p0()
    assert table_result.meta["overall"] == pytest.approx(p0, rel=1e-12)
    assert table_result.meta["units"] == 6 and table_result.meta["base"] == "n"
    for code, (n, x) in _unsuppressed().items():
        row = table.set_index("jurisdiction").loc[code]
        sd = math.sqrt(p0 * (1 - p0) / n)
        assert row["n"] == n and row["base"] == n  # the two don't-knows of S1 are not in the base
        assert row["estimate"] == pytest.approx(x / n)
        assert row["overall"] == pytest.approx(p0)
        assert row["limit95_low"] == pytest.approx(p0 - Z95 * sd)
        assert row["limit95_high"] == pytest.approx(p0 + Z95 * sd)
        assert row["limit998_low"] == pytest.approx(p0 - Z998 * sd)
        assert row["limit998_high"] == pytest.approx(p0 + Z998 * sd)
        assert row["z"] == pytest.approx((x / n - p0) / sd)
        assert row["p_value"] == pytest.approx(2 * sps.norm.sf(abs((x / n - p0) / sd)))
        expected = "above" if x / n > p0 + Z95 * sd else "below" if x / n < p0 - Z95 * sd else "within"
        assert row["funnel_class"] == expected
    adjusted = stats.benjamini_hochberg(table["p_value"].dropna().to_numpy())
    np.testing.assert_allclose(table["p_adjusted"].dropna().to_numpy(), adjusted)


def test_constructed_outlier_is_above_and_an_average_station_within(con):
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame.set_index("jurisdiction")
    assert table.loc["S6", "funnel_class"] == "above"
    assert table.loc["S6", "funnel_class_998"] == "above"  # z ≈ 6.5: beyond the 99.8% limits too
    assert table.loc["S3", "funnel_class"] == "within"      # 60% vs 63.1% on n=100
    assert table.loc["S1", "funnel_class"] == "below"       # 50%: z ≈ -2.71
    assert table.loc["S1", "funnel_class_998"] == "within"  # but inside the 99.8% limits


def test_overdispersion_widens_the_limits_by_phi_only_when_significant(con):
    plain_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    plain = plain_result.frame
    wide_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility', overdispersion=True)
    wide = wide_result.frame
    p0 = _p0()
    rates = np.array([x / n for n, x in _unsuppressed().values()])
    bases = np.array([n for n, _x in _unsuppressed().values()], dtype=float)
    phi = stats.overdispersion_phi(rates, bases, p0)
    assert plain_result.meta["phi"] == pytest.approx(phi) and plain_result.meta["phi_applied"] == 1.0
    assert phi * 6 > sps.chi2.ppf(0.95, 5)  # the outlier makes over-dispersion significant
    assert wide_result.meta["phi_significant"] and wide_result.meta["phi_applied"] == pytest.approx(phi)
    row = wide.set_index("jurisdiction").loc["S2"]
    assert row["limit95_high"] == pytest.approx(p0 + Z95 * math.sqrt(phi * p0 * (1 - p0) / 100))
    assert row["z"] == pytest.approx((0.55 - p0) / math.sqrt(phi * p0 * (1 - p0) / 100))
    # a peer group without the outlier is not over-dispersed: nothing is widened
    peers.save_peer_group(con, "calm", ["S2", "S3", "S4"], user=LOCAL_USER)
    calm_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility', peer_group='calm', overdispersion=True)
    calm = calm_result.frame
    assert not calm_result.meta["phi_significant"] and calm_result.meta["phi_applied"] == 1.0


def test_funnel_curve_is_the_hand_derived_limits_on_a_geometric_grid():
    curve = compare.funnel_curve(0.6, 50, 500, phi=1.5, points=3)
    # grid 50, sqrt(50 * 500) = 158.11..., 500; at base 50: sd = sqrt(1.5 * 0.6 * 0.4 / 50) = sqrt(0.0072)
    np.testing.assert_allclose(curve["base"], [50.0, 158.11388300841898, 500.0], rtol=1e-12)
    sd50 = 0.0848528137423857
    row = curve.iloc[0]
    assert row["limit95_low"] == pytest.approx(0.6 - 1.959963984540054 * sd50, rel=1e-12)
    assert row["limit95_high"] == pytest.approx(0.6 + 1.959963984540054 * sd50, rel=1e-12)
    assert row["limit998_low"] == pytest.approx(0.6 - 3.090232306167813 * sd50, rel=1e-12)
    assert row["limit998_high"] == pytest.approx(0.6 + 3.090232306167813 * sd50, rel=1e-12)
    # at base 500 the sd is sqrt(0.00072) = 0.026832815729997475
    assert curve.iloc[2]["limit95_high"] == pytest.approx(0.6 + 1.959963984540054 * 0.026832815729997475, rel=1e-12)
    # 99.8% limits of 0.97 on a base of 5 pass 1 and are clipped there; the lower one is not
    tight = compare.funnel_curve(0.97, 5, 5, points=2)
    assert tight["limit998_high"].iloc[0] == 1.0
    assert tight["limit998_low"].iloc[0] == pytest.approx(0.97 - 3.090232306167813 * math.sqrt(0.97 * 0.03 / 5))
    assert compare.funnel_curve(float("nan"), 1, 2).empty


# ------------------------------------------------------------------------------------------ suppression


def test_suppressed_unit_is_listed_without_numbers_and_left_out_of_everything(con):
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame
    row = table.iloc[-1]
    assert row["jurisdiction"] == "S7" and row["flag"] == "suppressed" and row["funnel_class"] == "suppressed"
    assert row["n"] == 10 and row["base"] == 10  # bases are always shown
    numbers = [c for c in compare.COMPARE_COLUMNS if c not in
               ("jurisdiction", "name_zh", "name_en", "n", "n_eff", "base", "flag", "funnel_class", "funnel_class_998")]
    assert row[numbers].isna().all()
    assert table_result.meta["suppressed"] == ["S7"]
    with_s7 = (sum(x for _n, x in Q4.values())) / sum(n for n, _x in Q4.values())
    assert table_result.meta["overall"] != pytest.approx(with_s7)  # S7's respondents are not in p0
    assert sorted(table["rank"].dropna()) == [1, 2, 3, 4, 5, 6]  # ranked among the six others
    csv_line = [line for line in to_csv_text(table).splitlines() if line.startswith("S7,")][0]
    assert "0.9" not in csv_line  # S7's 90% appears nowhere
    fields = csv_line.split(",")
    assert fields[3:6] == ["10", "10.0", "10.0"] and set(fields[6:9]) == {""}


# ------------------------------------------------------------------------------------------ shrinkage, ranks


def test_shrunken_estimates_are_the_beta_binomial_posterior_means_of_an_independent_fit(con):
    """Refit the prior with scipy's beta-binomial pmf and Nelder-Mead (not analytics.stats' gradient code)."""
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame
    shown = table[table["funnel_class"] != "suppressed"].set_index("jurisdiction")
    n = np.array([Q4[c][0] for c in shown.index], dtype=float)
    x = np.array([Q4[c][1] for c in shown.index], dtype=float)

    def negloglik(theta):
        a, b = np.exp(theta)
        return -np.sum(sps.betabinom.logpmf(x, n, a, b))

    from scipy import optimize
    fit = optimize.minimize(negloglik, np.log([5.0, 4.0]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    alpha, beta = np.exp(fit.x)
    assert table_result.meta["shrinkage"]
    assert table_result.meta["prior_alpha"] == pytest.approx(alpha, rel=1e-3)
    assert table_result.meta["prior_beta"] == pytest.approx(beta, rel=1e-3)
    np.testing.assert_allclose(shown["shrunken"], (x + alpha) / (n + alpha + beta), atol=1e-5)
    np.testing.assert_allclose(shown["shrunken_low"], sps.beta.ppf(0.025, x + alpha, n - x + beta), atol=1e-5)
    np.testing.assert_allclose(shown["shrunken_high"], sps.beta.ppf(0.975, x + alpha, n - x + beta), atol=1e-5)
    # the outlier S6 (85%) is pulled visibly towards the others
    assert shown.loc["S6", "shrunken"] < 0.85 - 0.01


def test_rank_and_rank_interval_known_by_hand(con):
    """Ranks by estimate (S6 85% > S3 60% > S5 55.8% > S2 55% > S4 52% > S1 50%); S6 is 12 SEs clear, so first
    in every draw; the rest lie within about 2 SEs of each other, so none is sure of its place and each
    interval spans at least three ranks but never reaches 1."""
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame
    shown = table[table["funnel_class"] != "suppressed"].set_index("jurisdiction")
    assert list(shown.index) == ["S6", "S3", "S5", "S2", "S4", "S1"]
    assert shown["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert shown.loc["S6", ["rank_low", "rank_high"]].tolist() == [1, 1]
    others = shown.drop(index="S6")
    assert (others["rank_low"] >= 2).all() and (others["rank_high"] - others["rank_low"] >= 2).all()
    assert others["rank_high"].max() == 6 and others["rank_low"].min() == 2
    again = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility').frame
    pd.testing.assert_frame_equal(table, again)  # fixed seed: page and CLI agree


def test_weighted_comparison_uses_neff_and_the_ratio_estimator(con):
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',), weighted=True), indicator='visibility')
    table = table_result.frame
    assert table_result.meta["base"] == "n_eff"
    num, den = con.execute(
        "SELECT sum(r.weight * (a.code = '1')::INT), sum(r.weight) FROM respondents r JOIN answers a USING "
        "(respondent_key) WHERE a.code <> '9' AND r.jurisdiction_code <> 'S7' AND r.interview_date >= DATE "
        "'2025-10-01'").fetchone()
    assert table_result.meta["overall"] == pytest.approx(num / den)
    s6 = table.set_index("jurisdiction").loc["S6"]
    assert s6["base"] == pytest.approx(s6["n_eff"]) and s6["n_eff"] < s6["n"]


def test_fewer_than_three_units_skip_shrinkage(con):
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',), jurisdiction_codes=('S1', 'S2')), indicator='visibility')
    table = table_result.frame
    assert table_result.meta["units"] == 2 and not table_result.meta["shrinkage"]
    assert table["shrunken"].isna().all() and table["rank"].notna().all()


def test_empty_period_and_unknown_indicator(con):
    assert compare.compare_table(con, Selection(period_kind='quarter', periods=('2024Q1',)), indicator='visibility').frame.empty
    with pytest.raises(UnknownNameError):
        compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='nope').frame
    city_result = compare.compare_table(con, Selection(period_kind='all', periods=('all',), level='district'), indicator='visibility')
    city = city_result.frame
    assert list(city["jurisdiction"]) == ["D2", "D1"] and city_result.meta["units"] == 2


# ------------------------------------------------------------------------------------------ peer groups


def test_peer_group_filter_save_list_delete_audited(con):
    version = store.data_version(con)
    assert peers.save_peer_group(con, " inner ", ["S1", "S2", "S3"], user=User('tester', "admin")) == "station"
    assert store.data_version(con) == version + 1
    assert peers.peer_group_codes(con, "inner") == ["S1", "S2", "S3"]
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility', peer_group='inner')
    table = table_result.frame
    assert sorted(table["jurisdiction"]) == ["S1", "S2", "S3"]
    assert table_result.meta["overall"] == pytest.approx(_p0(["S1", "S2", "S3"]))
    peers.save_peer_group(con, "inner", ["S1", "S2"], user=LOCAL_USER)  # replaces the members
    assert peers.peer_group_codes(con, "inner") == ["S1", "S2"]
    actions = con.execute("SELECT action, actor, detail FROM audit_log WHERE action LIKE 'peers.%' "
                          "ORDER BY audit_id").fetchall()
    assert actions[0][:2] == ("peers.save", "tester") and json.loads(actions[0][2])["members"] == ["S1", "S2", "S3"]
    assert peers.delete_peer_group(con, "inner", user=LOCAL_USER) == 2
    assert peers.list_peer_groups(con).empty


@pytest.mark.parametrize(("name", "codes", "key"), [
    ("g", ["S1"], "error.compare.group_size"),
    ("g", ["S1", "XX"], "error.compare.unknown_codes"),
    ("g", ["S1", "D1"], "error.compare.group_mixed"),
    ("  ", ["S1", "S2"], "error.compare.group_name"),
])
def test_peer_group_errors(con, name, codes, key):
    with pytest.raises(JingminError) as info:
        peers.save_peer_group(con, name, codes, user=LOCAL_USER)
    assert info.value.message_key == key
    assert peers.list_peer_groups(con).empty


def test_peer_group_level_must_match_and_must_exist(con):
    peers.save_peer_group(con, "districts", ["D1", "D2"], user=LOCAL_USER)
    with pytest.raises(JingminError) as info:
        compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility', peer_group='districts').frame
    assert info.value.message_key == "error.compare.group_level"
    with pytest.raises(UnknownNameError):
        compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility', peer_group='missing').frame
    with pytest.raises(UnknownNameError):
        peers.delete_peer_group(con, "missing", user=LOCAL_USER)


# ------------------------------------------------------------------------------------------ trends and modes


def test_trend_tests_match_cochran_armitage_and_bh(con):
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station'), indicators=['visibility'])
    tests = trends.trend_tests(table).set_index("jurisdiction")
    z, p = stats.cochran_armitage_trend([40, 45, 50, 50], [100] * 4)
    assert tests.loc["S1", "z"] == pytest.approx(z) and tests.loc["S1", "p_value"] == pytest.approx(p)
    t, n, x = np.arange(4.0), np.full(4, 100.0), np.array([40, 45, 50, 50.0])
    slope = np.sum(n * (t - t.mean()) * (x / n - x.sum() / n.sum())) / np.sum(n * (t - t.mean()) ** 2)
    assert tests.loc["S1", "slope"] == pytest.approx(slope)  # 3.4 points per quarter
    assert tests.loc["S1", "periods"] == 4 and tests.loc["S1", "first_period"] == "2025Q1"
    assert np.isnan(tests.loc["S7", "z"]) and tests.loc["S7", "periods"] == 0  # suppressed in every quarter
    flat = tests.drop(index=["S1", "S7"])
    assert (flat["z"] == 0).all() and (flat["slope"] == 0).all()  # the same counts every quarter
    np.testing.assert_allclose(tests["p_adjusted"].to_numpy(float),
                               stats.benjamini_hochberg(tests["p_value"].to_numpy(float)), equal_nan=True)
    assert tests.loc["S1", "direction"] == ("up" if tests.loc["S1", "p_adjusted"] < 0.05 else "")


def test_trend_tests_weighted_use_neff_and_skip_suppressed_periods(con):
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station', weighted=True), indicators=['visibility'])
    s2 = table[table["jurisdiction"] == "S2"].sort_values("period_start")
    z, _p = stats.cochran_armitage_trend(s2["estimate"] * s2["n_eff"], s2["n_eff"])
    tests = trends.trend_tests(table).set_index("jurisdiction")
    assert tests.loc["S2", "z"] == pytest.approx(z, nan_ok=True)
    rolling = table.assign(period=table["period_end"].map(lambda d: f"{d:%Y-%m}R12"))
    with pytest.raises(JingminError) as info:
        trends.trend_tests(rolling)
    assert info.value.message_key == "error.compare.rolling_trend"


def test_mode_breaks_overall_and_per_jurisdiction(con):
    overall = trends.mode_breaks(con, Selection(), by_jurisdiction=False)
    assert overall.to_dict("records") == [{
        "indicator": "visibility", "jurisdiction": None, "month_before": pd.Timestamp("2025-05-01").date(),
        "month_after": pd.Timestamp("2025-08-01").date(), "modes_before": "phone", "modes_after": "face_to_face",
        "mix_before": "phone 100%", "mix_after": "face_to_face 100%"}]
    per_station = trends.mode_breaks(con, Selection(level='station', jurisdiction_codes=('S1', 'S2')))
    assert sorted(per_station["jurisdiction"]) == ["S1", "S2"]
    con.execute("UPDATE batches SET status = 'removed' WHERE batch_id = 1")
    assert trends.mode_breaks(con, Selection(), by_jurisdiction=False).empty  # only loaded batches count
    con.execute("UPDATE batches SET status = 'loaded', survey_mode = 'face_to_face' WHERE batch_id = 1")
    assert trends.mode_breaks(con, Selection(), by_jurisdiction=False).empty  # same mode throughout: no break


def test_trend_test_flags_a_span_across_a_mode_break(con):
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station'), indicators=['visibility'])
    breaks = trends.mode_breaks(con, Selection(level='station'))
    tests = trends.trend_tests(table, breaks=breaks).set_index("jurisdiction")
    assert tests.loc["S1", "mode_break"]
    late = table[table["period"].isin(["2025Q3", "2025Q4"])]
    assert not trends.trend_tests(late, breaks=breaks).set_index("jurisdiction").loc["S1", "mode_break"]


@pytest.mark.parametrize(("before", "after", "kind", "expected"), [
    ("2025-05-01", "2025-08-01", "quarter", 1.5),   # Q2 then Q3: between them
    ("2025-07-01", "2025-08-01", "quarter", 2.0),   # both in Q3: on the quarter, which mixes both modes
    ("2025-07-01", "2025-08-01", "month", 0.5),
    ("2024-11-01", "2025-01-01", "quarter", -0.5),  # before the first period shown (pages skip it)
    ("2025-12-01", "2026-01-01", "quarter", 3.5),   # after the last period shown
    ("2024-05-01", "2024-08-01", "quarter", None),  # off the axis
    ("2025-05-01", "2025-08-01", "all", None),
])
def test_break_position(before, after, kind, expected):
    labels = {"quarter": ["2025Q1", "2025Q2", "2025Q3", "2025Q4"], "month": ["2025-07", "2025-08"], "all": ["all"]}
    day = pd.Timestamp
    assert trends.break_position(day(before).date(), day(after).date(), kind, labels[kind]) == expected


# ------------------------------------------------------------------------------------------ CLI


def test_cli_compare_prints_the_same_figures(db_path, capsys):
    assert main(["compare", "--indicator", "visibility", "--period", "2025Q4", "--format", "json",
                 "--db", str(db_path)]) == 0
    captured = capsys.readouterr()
    rows = {r["jurisdiction"]: r for r in json.loads(captured.out)}
    con = store.connect(db_path)
    table_result = compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q4',)), indicator='visibility')
    table = table_result.frame.set_index("jurisdiction")
    con.close()
    for code in ("S1", "S6"):
        for column in ("estimate", "base", "limit95_low", "limit998_high", "z", "shrunken", "rank_low", "rank_high"):
            assert rows[code][column] == pytest.approx(table.loc[code, column])
        assert rows[code]["funnel_class"] == table.loc[code, "funnel_class"]
    assert rows["S7"]["estimate"] is None and rows["S7"]["funnel_class"] == "suppressed"
    assert "overall rate 63.1%" in captured.err and "suppressed (excluded): S7" in captured.err


def test_cli_peers_and_compare_with_peer_group(db_path, capsys):
    assert main(["peers", "add", "east", "S1", "S2", "S3", "--db", str(db_path)]) == 0
    assert main(["peers", "list", "--db", str(db_path)]) == 0
    assert capsys.readouterr().out.count("east,") == 3
    assert main(["compare", "--indicator", "visibility", "--period", "2025Q4", "--peer-group", "east",
                 "--db", str(db_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("jurisdiction,name_zh,name_en,n,n_eff,base,estimate")
    assert main(["peers", "remove", "east", "--db", str(db_path)]) == 0
    assert main(["compare", "--indicator", "visibility", "--period", "2025Q4", "--peer-group", "east",
                 "--db", str(db_path)]) == 2
    assert "No peer group named 'east'" in capsys.readouterr().err
