"""What a warm page run may skip (issue 20.3, server CPU per run): the full garbage collection after every
run, the data version read again and again, and rebuilding finished figures. Whatever is skipped must still
be right: cached figures are shared by every session, so no page may change one, a cached figure equals a
fresh build, and a write in the run is seen."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit import config as st_config
from streamlit.runtime.caching.cache_resource_api import _resource_caches

from analytics import engine, store
from app_pages import common
from tests.app.helpers import on_database, open_page


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def cached_figures() -> dict[int, str]:
    """Every plotly figure held by st.cache_resource (alone or in a tuple/list), as its JSON, by identity."""
    found: dict[int, str] = {}
    for caches in _resource_caches._function_caches.values():
        for cache in caches.values():
            for result in list(cache._mem_cache.values()):
                values = result.value if isinstance(result.value, tuple | list) else [result.value]
                for value in values:
                    figure = value[1] if isinstance(value, tuple) and len(value) > 1 else value
                    if isinstance(figure, go.Figure):
                        found[id(figure)] = pio.to_json(figure, validate=False)
    return found


def test_no_full_garbage_collection_after_each_run(app):
    # Streamlit's default (True) walks every live object of the process after each run of each session.
    st_config.set_option("runner.postScriptGC", True)
    app("en")
    assert st_config.get_option("runner.postScriptGC") is False


def test_no_page_changes_a_cached_figure(app):
    at = app("en")
    for page in ("overview", "compare", "trends"):
        open_page(at, page)
    snapshot = cached_figures()
    # Overview's heat-map and Compare's two charts are cached now, beside the Trends charts (tuples).
    assert len(snapshot) >= 3
    for lang in ("en", "zh", "en"):
        at.session_state["lang"] = lang
        for page in ("overview", "compare", "trends", "overview"):
            open_page(at, page)
    again = cached_figures()
    assert {key: again.get(key) for key in snapshot} == snapshot


def test_cached_heatmap_and_compare_charts_equal_a_fresh_build(app):
    at = app("en")
    drawn = {}
    for page in ("overview", "compare"):
        open_page(at, page)
        drawn[page] = specs(at)
        assert drawn[page], page
    for page in ("overview", "compare"):
        open_page(at, page)  # warm: from the cache
        assert specs(at) == drawn[page], page
    st.cache_resource.clear()
    for page in ("overview", "compare"):
        open_page(at, page)  # built again
        assert specs(at) == drawn[page], page


def test_heatmap_follows_the_sort_and_the_language(app):
    at = open_page(app("en"), "overview")
    by_code = specs(at)[0]["layout"]["yaxis"]["ticktext"]
    at.radio(key="ov_sort_order_en").set_value("desc").run()
    assert not at.exception, at.exception
    assert specs(at)[0]["layout"]["yaxis"]["ticktext"] == list(reversed(by_code))
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    chinese = specs(at)[0]["layout"]["yaxis"]["ticktext"]
    assert len(chinese) == len(by_code) and chinese != list(reversed(by_code))


def test_data_version_is_read_once_per_connection_and_again_after_a_write(synthetic_db_path, monkeypatch):
    reads = []
    original = store.data_version

    def counted(con):
        reads.append(1)
        return original(con)

    with on_database(synthetic_db_path, monkeypatch):
        monkeypatch.setattr(store, "data_version", counted)
        try:
            first = common.data_version()
            assert common.data_version() == first
            assert len(reads) == 1
            with common.writer() as con:  # closes this run's read connection first
                monkeypatch.setattr(store, "data_version", original)
                store.bump_data_version(con)
                monkeypatch.setattr(store, "data_version", counted)
            second = common.data_version()
            assert len(reads) == 2
            assert second != first
            assert int(second.rsplit("#", 1)[1]) == int(first.rsplit("#", 1)[1]) + 1
        finally:
            common.release()


def test_cached_csv_follows_the_data(app, downloads, synthetic_db_path):
    at = open_page(app("en"), "overview")
    before = [text for text in downloads if text.startswith("jurisdiction") or "estimate" in text.split("\n")[0]]
    assert before
    con = store.connect(synthetic_db_path)
    # The same rows with other answers, as a correction load would bring.
    con.execute("UPDATE answers SET code = '1' WHERE item = 'satisfaction' AND respondent_key % 2 = 0")
    engine.refresh_cells(con)
    store.bump_data_version(con)
    con.close()
    downloads.clear()
    at.run()
    assert not at.exception, at.exception
    after = [text for text in downloads if "estimate" in text.split("\n")[0]]
    assert after and after[-1] != before[-1]
    downloads.clear()
    open_page(at, "trends")
    open_page(at, "overview")  # from the cache: the same file
    assert [text for text in downloads if "estimate" in text.split("\n")[0]][-1] == after[-1]
