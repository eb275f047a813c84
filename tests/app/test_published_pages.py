"""Published figures on the pages (issue 17): shown exactly as published beside our own figures on Overview,
Trends, Compare and Forum, labelled as published with their source; no interval for a figure without a base."""

from __future__ import annotations

import pytest

from analytics import published, store
from analytics.auth import LOCAL_USER
from analytics.published import ResultsSpec
from tests.app.test_core_pages import all_text

FILE = ("area;quarter;measure;value\n"
        ";2025Q3;Trust;0,61\n"
        ";2025Q4;Trust;0,63\n"
        ";2025Q4;Satisfaction;0,875\n")


@pytest.fixture
def with_published(synthetic_db_path, tmp_path):
    path = tmp_path / "mps.csv"
    path.write_text(FILE, encoding="utf-8")
    con = store.connect(synthetic_db_path)
    spec = ResultsSpec(root="London (MPS)", columns={"jurisdiction": "area", "period": "quarter",
                                                      "measure": "measure", "value": "value"},
                       source="MPS Public Attitude Survey", measures={"Trust": "trust",
                                                                       "Satisfaction": "satisfaction"})
    published.load_results(con, path, spec, user=LOCAL_USER)
    con.close()
    return synthetic_db_path


KEY = "London (MPS)\x1f\x1f"


def rendered(at) -> str:
    """The page's text as markdown renders it (escaping backslashes removed)."""
    return all_text(at).replace("\\", "")


def test_overview_benchmark_column_shows_the_published_value(app, with_published):
    at = app("en")
    at.selectbox(key="overview_benchmark").set_value(KEY).run()
    assert not at.exception
    frame = next(d.value for d in at.dataframe if "Benchmark (published)" in d.value.columns)
    trust = frame[frame["Indicator"] == "Trust"].iloc[0]
    assert (trust["Benchmark (published)"], trust["Interval"], trust["Source"]) == (
        "63%", "published figure, no interval", "MPS Public Attitude Survey")
    assert frame[frame["Indicator"] == "Satisfaction"].iloc[0]["Benchmark (published)"] == "87.5%"


def test_trends_draw_published_series_dashed_without_band(app, with_published):
    at = app("en")
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception
    specs = [chart.proto.spec for chart in at.get("plotly_chart")]
    trust = next(s for s in specs if "London (MPS) (published: MPS Public Attitude Survey)" in s and "Trust" in s)
    assert '"dash":"dash"' in trust.replace(" ", "")
    assert "63%" in trust and "61%" in trust
    # no interval drawn for a figure without a base: no trace besides the series itself carries its colour band
    assert trust.count("London (MPS) (published") == 1
    assert "a figure without a base has no interval" in all_text(at)


def test_compare_benchmark_line_and_forum_sentence(app, with_published):
    at = app("en")
    at.switch_page("app_pages/compare.py")
    at.run()
    at.selectbox(key="cmp_indicator").set_value("trust").run()
    at.selectbox(key="cmp_benchmark").set_value(KEY).run()
    assert not at.exception
    assert ("Published benchmark: London (MPS) 63% (source: MPS Public Attitude Survey) — "
            "published figure, no interval") in rendered(at)
    at.switch_page("app_pages/forum.py")
    at.run()
    assert not at.exception
    text = rendered(at)
    assert "London (MPS) 63%, our city " in text
    assert "(published figure, source: MPS Public Attitude Survey)" in text


def test_data_page_removes_a_published_load_after_confirmation(app, with_published):
    at = app("en")
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception
    load_id = at.selectbox(key="data_pub_remove_id").value
    assert at.button(key="data_pub_remove").disabled  # nothing is removed until the load is confirmed by name
    box = at.checkbox(key=f"data_pub_confirm_{load_id}")
    assert box.label == f"I confirm removing load {load_id} 'mps.csv' (London (MPS), 3 figures)"
    box.check().run()
    at.button(key="data_pub_remove").click().run()
    assert not at.exception
    assert f"Removed load {load_id} 'mps.csv': 3 published figures." in [s.value for s in at.success]
    con = store.connect(with_published, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM published_results").fetchall() == [(0,)]
        assert con.execute("SELECT actor FROM audit_log WHERE action = 'published.remove'").fetchall() == [("local",)]
    finally:
        con.close()
    at.switch_page("app_pages/forum.py")
    at.run()
    assert "London (MPS) 63%" not in rendered(at)


def test_forum_benchmark_can_be_dropped_and_assessment_shown(app, with_published):
    at = app("en")
    at.switch_page("app_pages/forum.py")
    at.run()
    assert "published figure, no interval" in [c.value for c in at.caption]
    at.selectbox(key="forum_published").set_value("").run()
    assert "London (MPS) 63%" not in rendered(at)
    at.checkbox(key="forum_assessment").check().run()
    assert not at.exception
    assert not at.error
    text = rendered(at)
    assert "Assessment: standard" in [h.value for h in at.header]
    assert "Score " in text and "points of 100 (95% interval " in text
