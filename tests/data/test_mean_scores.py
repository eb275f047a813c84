"""Mean-score indicators (kind 'mean'): estimate, SE and interval pinned to independent computations.

Unweighted: statsmodels ``DescrStatsW`` (unweighted only — it treats weights as frequency weights, so it
is never used for survey weights). Weighted with strata and clusters: samplics ``TaylorEstimator("mean")``
and a hand derivation. Changes: the difference of two means with se = sqrt(se1² + se2²).
"""

from analytics.selection import Selection
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.weightstats import DescrStatsW

from analytics import definitions, engine, stats, store
from analytics.errors import DefinitionError
from analytics.roles import LOCAL_USER

SCORES = np.arange(11)


def _city(con, frame: pd.DataFrame) -> None:
    """Load ``frame`` (respondent_key, jurisdiction_code, interview_date, weight, stratum, cluster, code)."""
    con.execute("""
        INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population) VALUES
        ('C', '测试市', 'Test City', NULL, 'city', 300), ('D1', '一区', 'District One', 'C', 'district', 200),
        ('S1', '甲派出所', 'Station A', 'D1', 'station', 100), ('S2', '乙派出所', 'Station B', 'D1', 'station', 100)""")
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (1, 'survey', 'm.csv', 'x', 1)")
    resp = frame.assign(batch_id=1, respondent_id=frame["respondent_key"].astype(str),  # noqa: F841 (DuckDB scan)
                        design_weight=frame["weight"])
    con.execute("INSERT INTO respondents BY NAME SELECT respondent_key, batch_id, respondent_id, jurisdiction_code, "
                "interview_date, design_weight, weight, stratum, cluster FROM resp")
    ans = frame.assign(batch_id=1, item="trust_0_10")[["respondent_key", "batch_id", "item", "code"]]  # noqa: F841
    con.execute("INSERT INTO answers SELECT * FROM ans")
    item = definitions.Item("trust_0_10", "信任（0–10分）", "Trust (0–10)", "scale0_10",
                            {str(v): {"zh": str(v), "en": str(v)} for v in SCORES}, ["88"])
    definitions.save_item(con, item, user=LOCAL_USER)
    definitions.save_indicator(con, definitions.mean_indicator("trust_mean", item), user=LOCAL_USER)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    engine.refresh_cells(con)


def _frame(seed: int = 3, n: int = 240, *, month: str = "2025-01-15") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = rng.choice(SCORES, n, p=np.r_[np.full(5, 0.04), np.full(6, 0.8 / 6)]).astype(str)
    codes[rng.random(n) < 0.05] = "88"
    return pd.DataFrame({
        "respondent_key": np.arange(1, n + 1),
        "jurisdiction_code": np.where(np.arange(n) % 3 == 0, "S2", "S1"),
        "interview_date": pd.Timestamp(month),
        "weight": rng.uniform(0.3, 3.0, n),
        "stratum": np.where(rng.random(n) < 0.5, "urban", "rural"),
        "code": codes,
    }).assign(cluster=lambda f: f["stratum"] + "-" + (f["respondent_key"] % 7).astype(str))


@pytest.fixture
def mean_db(empty_db):
    frame = _frame()
    _city(empty_db, frame)
    return empty_db, frame


def _answers(frame: pd.DataFrame, station: str) -> pd.DataFrame:
    sub = frame[(frame["jurisdiction_code"] == station) & (frame["code"] != "88")]
    return sub.assign(y=sub["code"].astype(float))


def test_unweighted_mean_se_and_t_interval_equal_descrstatsw(mean_db):
    con, frame = mean_db
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station'), indicators=['trust_mean'])
    row = table.set_index("jurisdiction").loc["S1"]
    y = _answers(frame, "S1")["y"].to_numpy()
    ref = DescrStatsW(y)
    low, high = ref.tconfint_mean(alpha=0.05)
    assert (row["kind"], row["unit"], row["scale_min"], row["scale_max"]) == ("mean", "/ 10", 0.0, 10.0)
    assert row["n"] == len(y) and row["n_dk"] == ((frame["jurisdiction_code"] == "S1") & (frame["code"] == "88")).sum()
    assert row["estimate"] == pytest.approx(ref.mean, rel=1e-12)
    assert row["se"] == pytest.approx(ref.std_mean, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-10), pytest.approx(high, rel=1e-10))
    # Not a proportion: a Wilson interval of "6.x successes out of 1" would be nonsense, and the value is > 1.
    assert row["estimate"] > 1 and row["n_eff"] == row["n"]


def test_weighted_mean_with_strata_and_clusters_equals_samplics(mean_db):
    con, frame = mean_db
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station', weighted=True), indicators=['trust_mean'])
    row = table.set_index("jurisdiction").loc["S1"]
    sub = _answers(frame, "S1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics warns that it is archived
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam
        est = TaylorEstimator(PopParam.mean)
        est.estimate(y=sub["y"].to_numpy(), samp_weight=sub["weight"].to_numpy(), stratum=sub["stratum"].to_numpy(),
                     psu=sub["cluster"].to_numpy())
    assert row["estimate"] == pytest.approx(est.point_est, rel=1e-12)
    assert row["se"] == pytest.approx(math.sqrt(est.variance), rel=1e-9)
    assert est.degree_of_freedom == 14 - 2  # 7 clusters in each of 2 strata
    assert row["ci_low"] == pytest.approx(est.lower_ci, rel=1e-9)
    assert row["ci_high"] == pytest.approx(est.upper_ci, rel=1e-9)
    w = sub["weight"].to_numpy()
    assert row["n_eff"] == pytest.approx(w.sum() ** 2 / (w * w).sum())


def test_weighted_mean_se_by_hand_one_psu_per_respondent(empty_db):
    # Three respondents, no strata or clusters: w = (1, 2, 1), y = (6, 8, 7).
    frame = pd.DataFrame({"respondent_key": [1, 2, 3], "jurisdiction_code": "S1",
                          "interview_date": pd.Timestamp("2025-01-10"), "weight": [1.0, 2.0, 1.0],
                          "stratum": None, "cluster": None, "code": ["6", "8", "7"]})
    _city(empty_db, frame)
    row = engine.indicator_table(empty_db, Selection(period_kind='all', level='station', weighted=True), indicators=['trust_mean']).iloc[0]
    # ȳ = (6 + 16 + 7)/4 = 7.25; var = n/(n-1) Σ w²(y-ȳ)² / (Σw)² = 3/2 (1.5625 + 4·0.5625 + 0.0625)/16
    assert row["estimate"] == pytest.approx(7.25)
    var = 1.5 * 3.875 / 16
    assert row["se"] == pytest.approx(math.sqrt(var))
    t = sps.t.ppf(0.975, 2)  # df = 3 PSUs - 1 stratum
    assert row["ci_low"] == pytest.approx(7.25 - t * math.sqrt(var))
    assert row["ci_high"] == pytest.approx(7.25 + t * math.sqrt(var))


def test_mean_interval_is_clipped_to_the_scale():
    low, high = stats.t_interval([9.5, 0.4], [0.5, 0.5], [2, 2], 0.95, [0, 0], [10, 10])
    half = sps.t.ppf(0.975, 2) * 0.5
    assert list(low) == [pytest.approx(9.5 - half), 0.0]
    assert list(high) == [10.0, pytest.approx(0.4 + half)]
    assert np.isnan(stats.t_interval(5.0, 0.5, 0)[0])  # no df (a single PSU): no interval


def test_mean_is_suppressed_by_n_eff_like_a_rate(mean_db):
    con, _frame_ = mean_db
    store.set_setting(con, "suppress_below_n_eff", 100, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 200, user=LOCAL_USER)
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station'), indicators=['trust_mean'])
    by = table.set_index("jurisdiction")
    assert by.loc["S2", "flag"] == "suppressed" and by.loc["S2", ["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert by.loc["S1", "flag"] == "caution" and np.isfinite(by.loc["S1", "estimate"])


def test_rates_beside_a_mean_keep_their_figures(fixture_db):
    before = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'), indicators=['visibility'])
    item = definitions.get_item(fixture_db, "satisfaction")
    definitions.save_indicator(fixture_db, definitions.mean_indicator("satisfaction_mean", item), user=LOCAL_USER)
    engine.refresh_cells(fixture_db)
    after = engine.indicator_table(fixture_db, Selection(period_kind='quarter', level='station'))
    rates = after[after["indicator"] == "visibility"].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, rates)
    assert set(rates["kind"]) == {"rate"} and set(rates["unit"]) == {""}
    mean = after[after["indicator"] == "satisfaction_mean"].iloc[0]
    assert (mean["kind"], mean["unit"], mean["estimate"]) == ("mean", "/ 5", pytest.approx(4.0))  # 5, 4, 3


def test_change_of_a_mean_is_a_difference_of_means(empty_db):
    first, second = _frame(seed=1, month="2025-01-15"), _frame(seed=2, month="2025-04-15")
    second["respondent_key"] += len(first)
    second["code"] = np.where(second["code"] == "88", "88", np.minimum(second["code"].replace("88", "0").astype(int)
                                                                       + 1, 10).astype(str))
    _city(empty_db, pd.concat([first, second], ignore_index=True))
    table = engine.add_changes(engine.indicator_table(empty_db, Selection(period_kind='quarter', level='station'), indicators=['trust_mean']))
    row = table[(table["jurisdiction"] == "S1") & (table["period"] == "2025Q2")].iloc[0]
    a, b = _answers(first, "S1")["y"], _answers(second, "S1")["y"]
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert row["change"] == pytest.approx(b.mean() - a.mean())
    assert row["change_se"] == pytest.approx(se)
    assert row["z"] == pytest.approx((b.mean() - a.mean()) / se)
    assert row["p_value"] == pytest.approx(2 * sps.norm.sf(abs(row["z"])))


def test_mean_definitions_are_checked():
    item = definitions.Item("q", "q", "q", "categorical", {"a": {"zh": "a", "en": "a"}})
    with pytest.raises(DefinitionError, match="no numeric values"):
        definitions.mean_indicator("q_mean", item)
    bad = definitions.Indicator("q_mean", "q", "q", "", "", "q", {"1": 12.0}, kind="mean", scale_min=0, scale_max=10)
    with pytest.raises(DefinitionError, match=r"\[0, 10\]"):
        definitions.validate_indicator(bad, {"q"})
    rate = definitions.Indicator("q_rate", "q", "q", "", "", "q", {"1": 7.0})
    with pytest.raises(DefinitionError, match="kind 'mean'"):
        definitions.validate_indicator(rate, {"q"})


def test_forum_and_reports_show_a_mean_with_its_unit(empty_db):
    import io

    from pptx import Presentation

    from analytics import forum, report

    first, second = _frame(seed=1, month="2025-01-15"), _frame(seed=2, month="2025-04-15")
    second["respondent_key"] += len(first)
    second["code"] = np.where(second["code"] == "88", "88", "9")  # a clear rise in 2025Q2
    _city(empty_db, pd.concat([first, second], ignore_index=True))
    summary = forum.forum_summary(empty_db, Selection(period_kind='quarter', periods=('2025Q2',)), 'S1', 'en')
    tile = summary.tile("trust_mean")
    row = engine.indicator_table(empty_db, Selection(period_kind='quarter', level='station', jurisdiction_codes=('S1',)), indicators=['trust_mean']).set_index("period").loc["2025Q2"]
    assert tile.rate.text == f"{row['estimate']:.1f} / 10" == "9.0 / 10"
    assert f"{row['ci_low']:.1f} / 10" in tile.interval_sentence and "%" not in tile.interval_sentence.split("sure")[1]
    change = tile.headline_change
    assert change.status == "up" and "score points" in change.sentence and "%" not in change.sentence
    page = report.build_html(summary)
    assert "9.0 / 10" in page
    deck = Presentation(io.BytesIO(report.build_pptx(summary)))
    formats = [chart.plots[0].series[0].data_labels.number_format
               for slide in deck.slides for shape in slide.shapes if shape.has_chart
               for chart in [shape.chart] if chart.chart_type is not None and "LINE" in str(chart.chart_type)]
    assert formats == ["0.0"]  # the mean's trend labels are points, not "0.0%"


def test_proportion_methods_refuse_a_mean(mean_db):
    from analytics import compare, trends

    con, _frame_ = mean_db
    with pytest.raises(compare.CompareError, match="mean score") as caught:
        compare.compare_table(con, Selection(period_kind='quarter', periods=('2025Q1',)), indicator='trust_mean')
    assert caught.value.message_key == "error.compare.mean_score"
    table = engine.indicator_table(con, Selection(period_kind='month', level='station'), indicators=['trust_mean'])
    assert trends.trend_tests(table).empty  # no Cochran–Armitage test of a mean
