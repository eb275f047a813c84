"""Issue 15 item 7: a Cases scorecard mostly suppressed per quarter offers the rolling 12 months in one click."""

import pandas as pd
import pytest

from analytics import cases, store
from analytics.i18n import t
from analytics.selection import Selection
from tests.app.test_case_pages import add_cases_and_drivers


@pytest.fixture
def sparse_cases_db(synthetic_db_path):
    """The synthetic city with a quarter of the test cases: ~25 per station and quarter (mostly suppressed),
    ~100 per station in 12 months (mostly shown)."""
    con = store.connect(synthetic_db_path)
    add_cases_and_drivers(con)
    con.execute("DELETE FROM case_events WHERE CAST(substr(case_id, 2) AS INTEGER) % 4 <> 0")
    con.close()
    return synthetic_db_path


def test_suppressed_share_and_rolling_window():
    table = pd.DataFrame({"flag": ["suppressed", "suppressed", "ok", cases.NO_DATA, "caution"]})
    assert cases.suppressed_share(table) == 0.5  # the no-data cell is not counted
    assert cases.suppressed_share(table.iloc[:0]) == 0.0
    assert cases.rolling_window("2025Q4") == "2025-12R12"
    assert cases.rolling_window("2025-03") == "2025-03R12"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mostly_suppressed_quarter_offers_the_rolling_12_months(app, sparse_cases_db, lang):
    con = store.connect(sparse_cases_db)
    quarter = cases.case_metrics(con, Selection(period_kind="quarter", level="station"))
    rolling = cases.case_metrics(con, Selection(period_kind="rolling12", level="station"))
    con.close()
    latest = quarter.sort_values("period_start")["period"].iloc[-1]
    share = cases.suppressed_share(quarter[quarter["period"] == latest])
    assert cases.offer_rolling(quarter[quarter["period"] == latest], "quarter")
    window = cases.rolling_window(latest)
    assert cases.suppressed_share(rolling[rolling["period"] == window]) < share

    at = app(lang)
    at.switch_page("app_pages/cases.py")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cases_period_quarter").value == latest
    assert any(t("cases.rolling_toggle", lang, period=latest) == w.label for w in at.toggle)
    suppressed = t("flag.suppressed_short", lang)
    before = at.dataframe[0].value.to_numpy().ravel().tolist()
    at.toggle(key=f"cases_rolling_{latest}").set_value(True)
    at.run()
    assert not at.exception, at.exception
    after = at.dataframe[0].value.to_numpy().ravel().tolist()
    count = lambda cells: sum(suppressed in str(c) for c in cells)  # noqa: E731
    assert count(after) < count(before)
    assert t("cases.rolling_label", lang, period=latest, window=window) in " ".join(s.value for s in at.subheader)


def test_the_switch_is_offered_only_for_a_mostly_suppressed_month_or_quarter():
    mostly = pd.DataFrame({"metric": ["solved_rate"] * 3 + ["callback_coverage"] * 3,
                           "flag": ["suppressed", "suppressed", "ok", "ok", "ok", "ok"]})
    half = pd.DataFrame({"metric": ["solved_rate"] * 2, "flag": ["suppressed", "ok"]})
    assert cases.mostly_suppressed(mostly) == ["solved_rate"]
    assert cases.offer_rolling(mostly, "quarter") and cases.offer_rolling(mostly, "month")
    assert not cases.offer_rolling(half, "quarter")
    assert not cases.offer_rolling(mostly, "year") and not cases.offer_rolling(mostly, "rolling12")
