"""Trends charts are cached per data version and choices (issue 20.2): the cache must never show stale charts."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from analytics import engine, published, store
from analytics import trends as trend_engine  # trends() below opens the Trends page
from analytics.auth import LOCAL_USER
from analytics.published import ResultsSpec

FILE = "area;quarter;measure;value\n;2025Q3;Trust;0,61\n;2025Q4;Trust;0,63\n"
SPEC = ResultsSpec(root="London (MPS)", columns={"jurisdiction": "area", "period": "quarter", "measure": "measure",
                                                  "value": "value"},
                   source="MPS Public Attitude Survey", measures={"Trust": "trust"})


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in specs(at)]


def trends(app, lang: str):
    at = app(lang)
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_new_data_redraws_the_cached_charts(app, synthetic_db_path):
    at = trends(app, "en")
    before = specs(at)
    con = store.connect(synthetic_db_path)
    # Same periods, jurisdictions and choices; other answers, as a correction load would bring.
    con.execute("UPDATE answers SET code = '1' WHERE item = 'satisfaction' AND respondent_key % 2 = 0")
    engine.refresh_cells(con)
    store.bump_data_version(con)
    con.close()
    at.run()
    assert not at.exception, at.exception
    after = specs(at)
    assert [s["layout"]["title"]["text"] for s in after] == [s["layout"]["title"]["text"] for s in before]
    assert after != before


def test_a_published_load_adds_its_series(app, synthetic_db_path, tmp_path):
    at = trends(app, "en")
    assert not any("published" in json.dumps(s) for s in specs(at))
    path = tmp_path / "mps.csv"
    path.write_text(FILE, encoding="utf-8")
    con = store.connect(synthetic_db_path)
    published.load_results(con, path, SPEC, user=LOCAL_USER)
    con.close()
    at.run()
    assert not at.exception, at.exception
    assert "London (MPS) (published: MPS Public Attitude Survey)" in json.dumps(specs(at), ensure_ascii=False)


def test_cached_charts_follow_the_language_and_equal_a_fresh_build(app):
    at = trends(app, "en")
    english = specs(at)
    at.session_state["lang"] = "zh"
    at.run()
    chinese = titles(at)
    assert len(chinese) == len(english)
    assert chinese != [s["layout"]["title"]["text"] for s in english]
    assert any("满意" in t for t in chinese)
    at.session_state["lang"] = "en"
    at.run()
    assert specs(at) == english  # from the cache
    st.cache_resource.clear()
    at.run()
    assert specs(at) == english  # built again


def test_charts_built_without_validation_are_valid_and_serialise_as_plotly_validated(app, synthetic_db_path):
    # The page builds its figures with plotly's validation off (issue 20.2): every chart must still be a
    # figure plotly accepts (an unknown property or a bad value raises here) and must serialise exactly as
    # the validated figure does.
    con = store.connect(synthetic_db_path)
    # a change of survey mode in July 2025, so that the charts draw mode breaks as well
    con.execute("UPDATE respondents SET survey_mode = CASE WHEN interview_date < DATE '2025-07-01' "
                "THEN 'phone' ELSE 'online' END")
    con.close()
    at = trends(app, "zh")
    seen = []
    for lang, granularity in (("zh", "quarter"), ("en", "quarter"), ("en", "month")):
        at.session_state["lang"] = lang
        at.run()
        at.selectbox(key=f"granularity_{lang}").set_value(granularity)
        at.run()
        assert not at.exception, at.exception
        seen += specs(at)
    assert seen and any(c["layout"].get("shapes") for c in seen)  # mode breaks drawn as well
    for spec in seen:
        assert json.loads(pio.to_json(go.Figure(spec), validate=True)) == spec


def test_a_language_switch_redraws_without_computing_again(app, monkeypatch):
    calls = []
    original = trend_engine.trend_tests

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(trend_engine, "trend_tests", counted)
    at = trends(app, "zh")
    assert calls
    chinese = specs(at)
    calls.clear()
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert not calls  # the numbers are reused: only names and words change
    english = specs(at)
    assert titles(at) != [c["layout"]["title"]["text"] for c in chinese] and len(english) == len(chinese)
    # the same numbers under the English words
    assert [[t["y"] for t in c["data"]] for c in english] == [[t["y"] for t in c["data"]] for c in chinese]
    at.selectbox(key="level_en").set_value("district")
    at.run()
    assert not at.exception, at.exception
    assert calls  # other choices: computed
