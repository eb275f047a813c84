"""The leaders' first screen on the crafted city (tests/data/leaders_city.py): heat-map colour classes,
needs attention, alerts section, map and breakdowns pages."""

from __future__ import annotations

import json

import pytest

from analytics import scorecard, store
from analytics.selection import Selection
from tests.app.helpers import heatmap, save_squares
from tests.data import leaders_city


@pytest.fixture
def synthetic_db_path(tmp_path):
    """Replaces the synthetic city of the app fixture with the crafted one."""
    path = tmp_path / "crafted.duckdb"
    con = store.connect(path)
    leaders_city.build(con)
    con.close()
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_cell_classes_follow_the_significance_rule(app, lang):
    at = app(lang)
    grid = heatmap(at)
    label = "见警率" if lang == "zh" else "Visibility"
    names = {"S1": ("甲派出所", "Station A"), "S2": ("乙派出所", "Station B"), "S3": ("丙派出所", "Station C"),
             "S4": ("丁派出所", "Station D"), "S10": ("癸派出所", "Station J")}
    name = {code: pair[lang == "en"] for code, pair in names.items()}
    assert grid.rows == list(name.values())  # natural code order: S10 after S4
    assert grid.cell(name["S1"], label) == "▲ 90.0%"
    assert grid.cell(name["S2"], label) == "● 65.0%"
    assert grid.cell(name["S3"], label) == "▼ 30.0%"
    assert grid.cell(name["S4"], label) == ("▨ 样本过小" if lang == "zh" else "▨ suppressed")  # no number
    assert grid.cell(name["S10"], label) == ("▨ 无数据" if lang == "zh" else "▨ no data")
    assert [grid.cell(name[c], label, "fill") for c in ("S1", "S2", "S3", "S4", "S10")] == [
        "#c6dbef", "#f7f7f7", "#f4c7c3", "#d9d9d9", "#d9d9d9"]
    assert grid.cell(name["S1"], label, "numbers") == pytest.approx(90.0)
    assert grid.cell(name["S4"], label, "numbers") is None  # a suppressed figure never reaches the browser
    # No empty row under the last one: the axis ends half a row below it; height grows with the rows.
    assert grid.y_range == [len(names) - 0.5, -0.5] and grid.height == 40 * len(names) + 120


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_hover_has_interval_base_and_change(app, lang):
    """Station B's visibility by hand (tests/data/leaders_city.py): 2025Q2 130 yes of 200 = 65.0%, Wilson 95%
    interval (0.65 + 1.96²/400 ± 1.96·sqrt(0.65·0.35/200 + 1.96²/160000)) / (1 + 1.96²/200) = .5816–.7127;
    2025Q1 180 of 200 = 90.0%, so -25.0 points, significant after BH (the alert of the same fall)."""
    at = app(lang)
    grid = heatmap(at)
    name, label = ("乙派出所", "见警率") if lang == "zh" else ("Station B", "Visibility")
    lines = grid.cell(name, label, "hover").split("<br>")
    if lang == "en":
        assert lines == ["Station B · Visibility: 65.0%", "95% interval: 58.2–71.3", "base: n = 200",
                         "compared with the previous period (2025Q1): -25.0 points, significant fall",
                         "not significantly different from average"]
    else:
        assert lines == ["乙派出所 · 见警率: 65.0%", "95%置信区间：58.2–71.3", "样本量：n = 200",
                         "与上一期（2025Q1）比较：-25.0 个百分点，显著下降", "与平均无显著差异"]
    suppressed = grid.cell("丁派出所" if lang == "zh" else "Station D", label, "hover").split("<br>")
    assert suppressed[1] == ("样本过小，不予显示" if lang == "zh" else "suppressed (small base)")
    assert all("%" not in line for line in suppressed)  # no figure of a suppressed cell, in the hover either


def test_heatmap_draws_its_rows_a_page_at_a_time(app, monkeypatch):
    from app_pages import common

    monkeypatch.setattr(common, "HEATMAP_PAGE_ROWS", 2)  # the crafted city's 5 stations: pages of 2, 2 and 1
    at = app("en")
    at.selectbox(key="ov_sort_by_en").set_value("visibility").run()
    picker = at.selectbox(key="ov_rows_5_en")
    assert picker.options == ["Rows 1–2 of 5", "Rows 3–4 of 5", "Rows 5–5 of 5"]
    assert heatmap(at).rows == ["Station C", "Station B"]  # the sort applies to all rows, then the page
    picker.set_value(1).run()
    assert heatmap(at).rows == ["Station A", "Station D"]
    # The detail picker still offers every station, not only the page's.
    assert len(at.selectbox(key="ov_detail_en").options) == 6  # "none" + 5
    at.session_state["lang"] = "zh"
    at.run()
    assert at.selectbox(key="ov_rows_5_zh").options[1] == "第 3–4 行（共 5 行）"
    assert heatmap(at).rows == ["甲派出所", "丁派出所"]  # the page survives a language switch


def test_heatmap_sorts_by_a_column(app):
    at = app("en")
    at.selectbox(key="ov_sort_by_en").set_value("visibility").run()
    assert heatmap(at).rows == ["Station C", "Station B", "Station A", "Station D", "Station J"]  # 30, 65, 90
    at.radio(key="ov_sort_order_en").set_value("desc").run()
    grid = heatmap(at)
    # Highest first; cells with no figure stay last, in code order.
    assert grid.rows == ["Station A", "Station B", "Station C", "Station D", "Station J"]
    assert grid.cell("Station A", "Visibility") == "▲ 90.0%"  # each row keeps its own cells
    # The chosen order survives a language switch (the widgets' keys carry the language).
    at.session_state["lang"] = "zh"
    at.run()
    assert heatmap(at).rows == ["甲派出所", "乙派出所", "丙派出所", "丁派出所", "癸派出所"]
    at.radio(key="ov_sort_order_zh").set_value("asc").run()
    assert heatmap(at).rows == ["丙派出所", "乙派出所", "甲派出所", "丁派出所", "癸派出所"]


def test_pickers_follow_a_language_switch(app):
    at = app("zh")
    assert at.selectbox(key="ov_trend_of_zh").format_func("visibility") == "见警率"
    at.session_state["lang"] = "en"
    at.run()
    trend = at.selectbox(key="ov_trend_of_en")
    assert trend.label == "Trend line of" and trend.format_func(trend.value) == "Visibility"
    assert "ov_trend_of_zh" not in [w.key for w in at.selectbox]


def test_row_detail_from_the_picker(app):
    at = app("en")
    at.selectbox(key="ov_detail_en").set_value("S2").run()
    assert any("Station B" in m.value for m in at.markdown)
    detail = at.dataframe[-1].value
    assert list(detail["Indicator"]) == ["Visibility"]


def test_attention_list_equals_the_engine(app, synthetic_db_path):
    at = app("en")
    con = store.connect(synthetic_db_path, read_only=True)
    expected = scorecard.needs_attention(scorecard.scorecard(con, Selection(periods=("2025Q1", "2025Q2"))))
    con.close()
    lines = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith(("▼", "↘"))]
    assert len(lines) == len(expected) == 2
    assert "Station C" in lines[0] and "below the level average" in lines[0]
    assert "Station B" in lines[1] and "down 25.0 since 2025Q1" in lines[1]


def test_alerts_section_is_the_cli_digest(app):
    at = app("en")
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert "Station B: Visibility fell 25.0 points since 2025Q1" in text
    assert "Station D: Visibility is suppressed in 2025Q2" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_without_boundaries_says_where_to_upload(app, lang):
    at = app(lang)
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception
    assert ("数据与口径" if lang == "zh" else "Data page") in " ".join(str(i.value) for i in at.info)


def test_map_draws_the_shapes_coloured_and_hatched(app, synthetic_db_path):
    save_squares(synthetic_db_path, ["S1", "S2", "S3", "S4"])
    at = app("en")
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception

    spec = at.get("plotly_chart")[0].proto.spec
    traces = json.loads(spec)["data"]
    assert {t.get("fill") for t in traces[:-1]} == {"toself"}
    hatched = [t for t in traces if t.get("fillpattern", {}).get("shape") == "/"]
    assert len(hatched) == 1 and hatched[0]["x"].count(None) == 0  # S4 alone (suppressed)
    assert "#f4a6a0" in spec and "#9ecae1" in spec  # below (S3) and above (S1)
    assert "mapbox" not in spec and "tile" not in spec.lower()  # nothing fetched: shapes alone
    captions = " ".join(c.value for c in at.caption)
    assert "Station J (S10)" in captions  # no shape: listed, not drawn


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_numbers_the_areas_when_names_would_overlap(app, synthetic_db_path, lang):
    import json

    # S1 and S2 almost on top of each other (0.001 degree apart across a 2-degree map): their names would overlap.
    save_squares(synthetic_db_path, ["S1", "S2", "S3", "S4"], west=[114, 114.001, 115, 116])
    at = app(lang)
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception
    labels = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][-1]["text"]
    assert [label.split(" ")[-1] for label in labels] == ["1", "2", "3", "4"]
    captions = " ".join(c.value for c in at.caption)
    key = {"en": "Numbers on the map: 1 Station A · 2 Station B · 3 Station C · 4 Station D",
           "zh": "图上编号：1 甲派出所 · 2 乙派出所 · 3 丙派出所 · 4 丁派出所"}[lang]
    assert key in captions


def test_breakdowns_page_shows_groups_and_gaps(app):
    at = app("en")
    at.switch_page("app_pages/breakdowns.py")
    at.run()
    assert not at.exception
    at.selectbox(key="bd_jurisdiction").set_value("C").run()
    at.selectbox(key="bd_group").set_value("age_band").run()
    assert not at.exception
    groups, gaps = at.dataframe[0].value, at.dataframe[1].value
    assert list(groups.iloc[:, 0]) == ["18-29", "30-44", "45-59"]
    assert list(groups.iloc[:, 1]) == ["60.0%", "65.0%", "suppressed"]
    assert list(gaps.iloc[:, 1]) == ["-5.0"]


def test_page_icon_is_a_local_file():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "dashboard.py").read_text(encoding="utf-8")
    assert 'page_icon=":material' not in source and "page_icon=str(ICON)" in source
    assert (Path(__file__).resolve().parents[2] / "static" / "jingmin_icon.svg").is_file()
