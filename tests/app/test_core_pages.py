"""Overview, Trends and Data pages in both languages on the synthetic city."""

import pytest

from analytics import engine, store
from analytics.presentation import pct


def all_text(at) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [e.value for e in at.caption] + [str(e.value) for e in at.info]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize(("lang", "title", "scorecard"), [("zh", "指标总览", "辖区记分卡"),
                                                          ("en", "Indicator overview", "Scorecard")])
def test_overview_shows_scorecard_with_engine_numbers(app, synthetic_db_path, lang, title, scorecard):
    at = app(lang)
    text = all_text(at)
    assert title in text and scorecard in text
    con = store.connect(synthetic_db_path)
    expected = engine.indicator_table(con, period_kind="quarter", level="station")
    con.close()
    latest = expected[expected["period"] == "2025Q4"]
    frame = at.dataframe[0].value
    cells = " ".join(str(v) for v in frame.to_numpy().ravel())
    s1 = latest[(latest["jurisdiction"] == "S1") & (latest["indicator"] == "satisfaction")].iloc[0]
    assert f"{pct(s1['estimate'])} " in cells and f"n={int(s1['n'])}" in cells
    # the tiny station's rates are suppressed: the label is shown, never a number
    suppressed = "样本过小" if lang == "zh" else "suppressed"
    assert f"{suppressed} (n=" in cells
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
    weighted = engine.indicator_table(con, period_kind="quarter", level="station", weighted=True)
    con.close()
    row = weighted[(weighted["period"] == "2025Q4") & (weighted["jurisdiction"] == "S2")
                   & (weighted["indicator"] == "trust")].iloc[0]
    cells = " ".join(str(v) for v in at.dataframe[0].value.to_numpy().ravel())
    assert f"{pct(row['estimate'])} ({100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f})" in cells
