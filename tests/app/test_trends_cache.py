"""Trends charts are cached per data version and choices (issue 20.2): the cache must never show stale charts."""

from __future__ import annotations

import json

import streamlit as st

from analytics import engine, published, store
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
