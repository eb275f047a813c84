"""Cases, Link and Drivers pages in both languages, on the synthetic city plus cases and service items."""

import numpy as np
import pandas as pd
import pytest

from analytics import cases, drivers, link, store
from analytics.i18n import t
from analytics.presentation import p_text, signed
from analytics.selection import Selection
from tests.app.helpers import SHOWN, cells, page_text

CATEGORIES = np.array(["theft", "fraud", "dispute", "traffic", "help", "petition", "hazard", "other"])


def add_cases_and_drivers(con, *, seed: int = 3) -> None:
    """About 800 cases per big station over 2024-2025 (S3 has poor callbacks), and five sub-items."""
    rng = np.random.default_rng(seed)
    stations = np.concatenate([np.repeat(["S1", "S2", "S3", "S4"], 800), np.repeat("S5", 20)])
    n = len(stations)
    reported = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731 * 24 * 60, n), "min")
    category = rng.choice(CATEGORIES, n, p=[0.2, 0.1, 0.2, 0.1, 0.2, 0.05, 0.1, 0.05])
    closed = rng.random(n) < 0.9
    closed_at = reported + pd.to_timedelta(rng.exponential(5, n), "D")
    outcome = np.select([np.isin(category, ["theft", "fraud"]), category == "dispute"],
                        [np.where(rng.random(n) < 0.5, "solved", "unsolved"),
                         np.where(rng.random(n) < 0.7, "mediated", "referred")], "answered")
    called = closed & (rng.random(n) < 0.8)
    p_bad = np.where(stations == "S3", 0.4, 0.08)
    u = rng.random(n)
    result = np.where(u < p_bad, "dissatisfied", np.where(u < p_bad + 0.15, "basically_satisfied", "satisfied"))
    callback_at = closed_at + pd.to_timedelta(2, "D")
    rectified = (result == "dissatisfied") & called & (rng.random(n) < 0.7)
    frame = pd.DataFrame({
        "batch_id": 2, "case_id": [f"K{i:05d}" for i in range(n)], "jurisdiction_code": stations,
        "category": category, "is_small": rng.random(n) < 0.6, "reported_at": reported,
        "first_response_at": reported + pd.to_timedelta(rng.exponential(45, n), "min"),
        "closed_at": closed_at.where(closed), "status": np.where(closed, "closed", "open"),
        "outcome": np.where(closed, outcome, None),
        "mediation_agreed": np.where(closed & (category == "dispute"), outcome == "mediated", None),
        "callback_at": callback_at.where(called), "callback_result": np.where(called, result, None),
        "rectification_status": np.where(called & (result == "dissatisfied"),
                                         np.where(rectified, "rectified", "pending"), None),
        "rectified_at": (callback_at + pd.to_timedelta(rng.exponential(6, n), "D")).where(rectified),
        "reporter_hash": None,
    })
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (2, 'cases', 'cases.csv', 'c', $n)", {"n": n})
    con.register("case_frame", frame)
    con.execute("INSERT INTO case_events BY NAME SELECT * FROM case_frame")
    # Sub-items: the respondent's satisfaction code moved by -1, 0 or +1 (deterministic hash noise).
    con.execute("""
        INSERT INTO answers
        SELECT a.respondent_key, a.batch_id, i.item,
               CAST(least(5, greatest(1, CAST(a.code AS INTEGER) + CAST(hash(a.respondent_key, i.item) % 3 AS INTEGER)
                                         - 1)) AS VARCHAR)
        FROM answers a
        CROSS JOIN (SELECT unnest(['attitude', 'response_speed', 'fairness', 'communication', 'result']) AS item) i
        WHERE a.item = 'satisfaction' AND a.code <> '9'""")


@pytest.fixture
def synthetic_db_path(synthetic_db_path):
    """The shared synthetic city (tests/conftest.py) with cases and driver items added."""
    con = store.connect(synthetic_db_path)
    add_cases_and_drivers(con)
    con.close()
    return synthetic_db_path


def all_text(at) -> str:
    return page_text(at, (*SHOWN, "warning"))


@pytest.mark.parametrize(("lang", "title", "loop"), [("zh", "案件办理情况", "闭环"),
                                                     ("en", "Case work", "Closing the loop")])
def test_cases_page_scorecard_and_open_loop(app, synthetic_db_path, lang, title, loop):
    at = app(lang)
    at.switch_page("app_pages/cases.py")
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert title in text and loop in text
    con = store.connect(synthetic_db_path)
    expected = cases.case_metrics(con, Selection(period_kind='quarter', level='station'))
    waiting = cases.open_loop(con, Selection(level='station'))
    con.close()
    latest = expected[expected["period"] == "2025Q4"]
    scorecard = cells(at.dataframe[0].value)
    for metric in ("callback_coverage", "callback_satisfaction", "response_hours_median"):
        row = latest[(latest["jurisdiction"] == "S3") & (latest["metric"] == metric)].iloc[0]
        assert cases.metric_cell(row, lang) in scorecard
    tiny = latest[(latest["jurisdiction"] == "S5") & (latest["metric"] == "callback_coverage")]
    if not tiny.empty:  # the tiny station's rates are suppressed: the label is shown, never a number
        assert ("样本过小" if lang == "zh" else "suppressed") + " (n=" in scorecard
    assert len(at.metric) == len(cases.METRICS)
    listing = at.dataframe[2].value
    assert listing.iloc[0, 0] == waiting["case_id"].iloc[0]          # oldest first
    assert listing.iloc[0, -1] == pytest.approx(round(waiting["days_waited"].iloc[0], 1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cases_page_shows_no_data_as_a_dash_with_its_note(app, synthetic_db_path, lang):
    # The case batch says it gave no callback fields: callback metrics are "no data", never 0%.
    con = store.connect(synthetic_db_path)
    con.execute("INSERT INTO batch_fields SELECT 2, unnest(['case_id', 'jurisdiction', 'category', 'is_small', "
                "'reported_at', 'first_response_at', 'closed_at', 'status', 'outcome', 'mediation_agreed'])")
    con.close()
    at = app(lang)
    at.switch_page("app_pages/cases.py")
    at.run()
    assert not at.exception, at.exception
    scorecard = at.dataframe[0].value
    coverage = scorecard[t("metric.callback_coverage", lang)]
    assert set(coverage) == {"—"}
    assert t("flag.no_data_help", lang) in all_text(at)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[t("metric.callback_coverage", lang)] == "—"
    assert tiles[t("metric.response_hours_median", lang)] != "—"  # a field the batch gave


@pytest.mark.parametrize(("lang", "title"), [("zh", "案件与民意"), ("en", "Police work and what residents say")])
def test_link_page_correlation_and_gap(app, synthetic_db_path, lang, title):
    at = app(lang)
    at.switch_page("app_pages/link.py")
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert (title if lang == "en" else "警务工作与群众评价") in text
    con = store.connect(synthetic_db_path)
    table = link.link_table(con, Selection(period_kind='all'), metric='callback_satisfaction', indicator='satisfaction')
    gaps = link.self_report_gap(con, Selection(period_kind='all'))
    con.close()
    corr = link.spearman(table["metric_value"], table["indicator_estimate"])
    tiles = {m.label: m.value for m in at.metric}
    assert f"{corr.rho:+.2f}" in tiles.values()
    assert str(corr.n) in tiles.values()
    gap_table = at.dataframe[0].value
    # Signed text, never '-0.0'; p-values as '< 0.001', never '0' (issue 15 item 7).
    assert list(gap_table.iloc[:, 5]) == [signed(100 * g) for g in gaps["gap"]]
    p_values = list(gap_table[t("link.p_value", lang)])
    assert p_values == [p_text(p) for p in gaps["p_excess_adjusted"]]
    assert not [p for p in p_values if p.strip("0.") == ""]
    assert tiles[t("link.p_value", lang)] == p_text(corr.p_value)


@pytest.mark.parametrize(("lang", "title"), [("zh", "满意度驱动因素"), ("en", "What drives satisfaction")])
def test_drivers_page_importance_and_priority(app, synthetic_db_path, lang, title):
    at = app(lang)
    at.switch_page("app_pages/drivers.py")
    at.run()
    assert not at.exception, at.exception
    assert title in all_text(at)
    con = store.connect(synthetic_db_path)
    # the sidebar's whole range, 2024Q1-2025Q4: interviews from 2024-01-01 to 2025-12-31
    expected = drivers.key_drivers(con, Selection(period_kind="year", periods=("2024", "2025")))
    con.close()
    top = expected.iloc[0]
    shown = at.dataframe[0].value
    assert shown.iloc[0, 2] == f"{100 * top['share']:.1f}% ({100 * top['share_low']:.1f}–{100 * top['share_high']:.1f})"
    assert shown.iloc[0, 1] == top["label_zh" if lang == "zh" else "label_en"]
    first = expected.sort_values("priority_rank").iloc[0]
    assert first["label_zh" if lang == "zh" else "label_en"] in all_text(at)
