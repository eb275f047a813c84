"""Published figures on the pages (issue 17): shown exactly as published beside our own figures on Overview,
Trends, Compare and Forum, labelled as published with their source; no interval for a figure without a base."""

from __future__ import annotations

import pytest

from analytics import published, store
from analytics.auth import LOCAL_USER
from analytics.i18n import t
from analytics.published import ResultsSpec
from tests.app.helpers import all_text

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


# A public attitude survey's borough x quarter file: semicolons, decimal commas, DD/MM/YYYY quarter ends, a quoted
# label with embedded quotes, and a figure the source did not publish (NA).
WIDE = ('Borough;Date;Trust;"""Good Job"" local";T_LISTEN\n'
        "Camden;30/09/2025;0,61;0,58;NA\n"
        "Camden;31/12/2025;0,63;0,6;0,7\n")


def upload_results(at, data: str, *, window: str | None = "quarter"):
    at.switch_page("app_pages/upload.py")
    at.run()
    at.radio(key="up_kind").set_value("results").run()
    at.file_uploader(key="up_file").set_value(("pas.csv", data.encode("utf-8"), "text/csv")).run()
    at.text_input(key="up_pub_root").set_value("London (MPS)").run()
    assert not at.exception, at.exception
    if window:
        at.selectbox(key="up_pub_window").set_value(window).run()
    return at


def test_upload_page_loads_a_wide_published_file_and_trends_show_63_percent(app, synthetic_db_path):
    at = upload_results(app("en"), WIDE)
    at.text_input(key="up_pub_source").set_value("MPS PAS").run()
    at.checkbox(key="up_pub_create").check().run()
    at.button(key="up_pub_check").click().run()
    assert not at.exception, at.exception
    assert "Checked: 6 figures would load (1 not published)." in [s.value for s in at.success]
    at.button(key="up_pub_load").click().run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path, read_only=True)
    try:
        got = {(r[0], r[1]): (r[2], r[3]) for r in con.execute(
            "SELECT period, measure, value_text, indicator FROM published_results WHERE jurisdiction = 'Camden'"
        ).fetchall()}
    finally:
        con.close()
    assert got[("2025Q4", "Trust")] == ("0,63", "trust")  # Trust proposed as the trust indicator
    assert got[("2025Q3", '"Good Job" local')] == ("0,58", None)  # its own measure
    assert any("Loaded as load" in s.value and "6 published figures" in s.value for s in at.success)
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception
    specs = [chart.proto.spec for chart in at.get("plotly_chart")]
    trust = next(s for s in specs if "Camden · London (MPS) (published: MPS PAS)" in s)
    assert "63%" in trust and "61%" in trust


def test_upload_page_reports_bad_published_values_in_the_users_language(app, synthetic_db_path):
    # stated as proportions: 1,63 is above 1; 31/13/2025 is no date
    bad = "Borough;Date;Trust\nCamden;30/09/2025;1,63\nCamden;31/13/2025;0,5\n"
    at = upload_results(app("zh"), bad)
    at.selectbox(key="up_pub_format").set_value("proportion").run()
    at.checkbox(key="up_pub_create").check().run()
    at.button(key="up_pub_load").click().run()
    assert not at.exception, at.exception
    report = next(d.value for d in at.dataframe if "行号" in d.value.columns)
    rows = {(r["行号"], r["文件中的列"], r["取值"]) for r in report.to_dict("records")}
    assert {(2, "Trust", "1,63"), (3, "Date", "31/13/2025")} <= rows
    assert any("比例超出 0–1" in m for m in report[t("upload.col.message", "zh")])
    con = store.connect(synthetic_db_path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM published_results").fetchall() == [(0,)]
    finally:
        con.close()


def test_upload_page_says_in_the_users_language_when_no_value_column_is_mapped(app):
    at = upload_results(app("zh"), "Borough;Date;Trust\nCamden;30/09/2025;abc\n")
    at.button(key="up_pub_check").click().run()
    assert any("宽表每个指标一列" in e.value for e in at.error)
