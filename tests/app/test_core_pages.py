"""Overview, Trends and Data pages in both languages on the synthetic city."""

import pytest

from analytics import engine, store
from analytics.presentation import pct
from analytics.selection import Selection
from tests.app.helpers import all_text, heatmap


@pytest.mark.parametrize(("lang", "title", "scorecard"), [("zh", "指标总览", "辖区记分卡"),
                                                          ("en", "Indicator overview", "Scorecard")])
def test_overview_shows_scorecard_with_engine_numbers(app, synthetic_db_path, lang, title, scorecard):
    at = app(lang)
    text = all_text(at)
    assert title in text and scorecard in text
    con = store.connect(synthetic_db_path)
    expected = engine.add_changes(engine.indicator_table(con, Selection(period_kind='quarter', level='station')))
    con.close()
    latest = expected[expected["period"] == "2025Q4"]
    grid = heatmap(at)
    names = {"S1": ("甲派出所", "Station A"), "S2": ("乙派出所", "Station B"), "S3": ("丙派出所", "Station C"),
             "S4": ("丁派出所", "Station D"), "S5": ("戊派出所", "Station E")}
    labels = {"zh": ["见警率", "识警率", "知警率", "满意率", "安全感", "信任度"],
              "en": ["Visibility", "Familiarity", "Awareness", "Satisfaction", "Safety", "Trust"]}[lang]
    keys = ["visibility", "familiarity", "awareness", "satisfaction", "safety", "trust"]
    assert grid.columns[:6] == labels
    assert grid.rows == [names[c][lang == "en"] for c in sorted(names)]
    suppressed = "▨ 样本过小" if lang == "zh" else "▨ suppressed"
    checked = 0
    for r in latest.to_dict("records"):
        name, label = names[r["jurisdiction"]][lang == "en"], labels[keys.index(r["indicator"])]
        if r["flag"] == "suppressed":  # the tiny station: hatched label, never a number, not even underneath
            assert grid.cell(name, label) == suppressed and grid.cell(name, label, "numbers") is None
            continue
        # written out here, not with analytics.presentation: a class glyph, then "57.4%"
        assert grid.cell(name, label, "numbers") == pytest.approx(100 * r["estimate"])
        shown = grid.cell(name, label)
        assert shown[0] in "▲●▼" and shown[2:] == f"{100 * r['estimate']:.1f}%"
        checked += 1
    assert checked == 24  # 4 stations x 6 indicators with numbers; Station E's 6 cells are suppressed
    headline = {m.label: m.value for m in at.metric}
    assert len(headline) == 6  # satisfaction_3 has no data in the synthetic city: no tile


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trends_and_data_pages_render(app, lang):
    at = app(lang)
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception
    assert ("指标趋势" if lang == "zh" else "Indicator trends") in all_text(at)
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception
    text = all_text(at)
    assert ("数据与口径" if lang == "zh" else "Data and definitions") in text
    definitions = at.dataframe[2].value
    assert "visibility" in set(definitions.iloc[:, 0])


def test_switching_language_changes_labels(app):
    at = app("zh")
    assert "指标总览" in all_text(at)
    at.session_state["lang"] = "en"
    at.run()
    assert "Indicator overview" in all_text(at)


def test_weighted_toggle_switches_estimates(app, synthetic_db_path):
    at = app("en", weighted=True)
    con = store.connect(synthetic_db_path)
    weighted = engine.indicator_table(con, Selection(period_kind='quarter', level='station', weighted=True))
    con.close()
    row = weighted[(weighted["period"] == "2025Q4") & (weighted["jurisdiction"] == "S2")
                   & (weighted["indicator"] == "trust")].iloc[0]
    cells = " ".join(str(v) for row in heatmap(at).text for v in row)
    assert pct(row["estimate"]) in cells
    unweighted = engine.indicator_table(store.connect(synthetic_db_path, read_only=True), Selection())
    other = unweighted[(unweighted["period"] == "2025Q4") & (unweighted["jurisdiction"] == "S2")
                       & (unweighted["indicator"] == "trust")].iloc[0]
    assert pct(other["estimate"]) != pct(row["estimate"]) and pct(other["estimate"]) not in cells
