"""The Forum page keeps a wave's "you said, we did" apart from the calendar period that shares its label.

City: tests/data/forum_waves_city.py with the wave '2021Q4' added; the quarter 2021Q4 and the wave 2021Q4 each
have one row. With the granularity 'Quarter' the editor holds the quarter's row, with 'Survey wave' the wave's,
and saving the wave's table leaves the quarter's row alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import forum, store
from analytics.roles import LOCAL_USER
from tests.data.forum_waves_city import CALENDAR_NAMED_WAVE, add_calendar_named_wave, build_wave_city

REPO = Path(__file__).resolve().parents[2]
QUARTER_ROW = {"concern": "季度：停车难", "action": "季度：新增车位", "status": "done"}
WAVE_ROW = {"concern": "调查轮次：夜间巡逻少", "action": "调查轮次：增加晚班", "status": "in_progress"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    try:
        path = add_calendar_named_wave(build_wave_city(tmp_path_factory.mktemp("forum_kind_page") / "waves.duckdb"))
    finally:
        mp.undo()
    con = store.connect(path)
    try:
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [QUARTER_ROW], user=LOCAL_USER)
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [WAVE_ROW], user=LOCAL_USER, period_kind="wave")
    finally:
        con.close()
    return path


@pytest.fixture
def forum_page(city, monkeypatch):
    """``forum_page(lang, granularity)``: the Forum page of S01 for the label 2021Q4 as a quarter or a wave."""
    monkeypatch.setenv("JINGMIN_DB", str(city))
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(lang: str, granularity: str) -> AppTest:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
        at.session_state["lang"] = lang
        at.session_state["_granularity"] = granularity
        at.run()
        at.switch_page("app_pages/forum.py")
        at.run()
        assert not at.exception, at.exception
        at.selectbox(key=f"forum_period_{granularity}").set_value(CALENDAR_NAMED_WAVE).run()
        at.selectbox(key="forum_jurisdiction").set_value("S01").run()
        assert not at.exception, at.exception
        return at

    yield make
    st.cache_resource.clear()
    st.cache_data.clear()


def editor_concerns(at: AppTest) -> list[str]:
    (editor,) = [frame.value for frame in at.dataframe if "said" in frame.value.columns]
    return list(editor["concern"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_quarter_and_the_wave_show_their_own_rows(forum_page, lang):
    assert editor_concerns(forum_page(lang, "quarter")) == [QUARTER_ROW["concern"]]
    assert editor_concerns(forum_page(lang, "wave")) == [WAVE_ROW["concern"]]


def test_saving_the_wave_leaves_the_quarter_alone(forum_page, city):
    at = forum_page("en", "wave")
    at.button(key="forum_save").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    con = store.connect(city, read_only=True)
    try:
        assert [r.concern for r in forum.list_actions(con, "S01", CALENDAR_NAMED_WAVE)] == [QUARTER_ROW["concern"]]
        assert [r.concern for r in forum.list_actions(con, "S01", CALENDAR_NAMED_WAVE, period_kind="wave")] == [
            WAVE_ROW["concern"]]
    finally:
        con.close()
