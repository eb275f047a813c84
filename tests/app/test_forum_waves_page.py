"""The Forum page with the sidebar's granularity 'Survey wave' (issue 13 item 9): the chosen wave against the
wave before it, in plain words, on the three-wave city of tests/data/forum_waves_city.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import forum, store
from analytics.i18n import t
from analytics.selection import Selection
from tests.app.helpers import all_text, on_database, start
from tests.data.forum_waves_city import W1, W2, W3, build_wave_city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    try:
        return build_wave_city(tmp_path_factory.mktemp("forum_waves_page") / "waves.duckdb")
    finally:
        mp.undo()


@pytest.fixture
def wave_page(city, monkeypatch):
    """``wave_page(lang)``: an AppTest that has opened the Forum page with the sidebar set to survey waves."""
    with on_database(city, monkeypatch):
        yield lambda lang: start(lang, page="forum", _granularity="wave")


def texts(at: AppTest) -> str:
    return all_text(at).replace("\\", "")  # Markdown escapes


def summary(city: Path, code: str, wave: str, lang: str) -> forum.ForumSummary:
    con = store.connect(city, read_only=True)
    try:
        return forum.forum_summary(con, Selection(period_kind="wave", periods=(wave,)), code, lang)
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_forum_presents_a_wave_against_the_wave_before(wave_page, city, lang):
    at = wave_page(lang)
    assert at.selectbox(key=f"granularity_{lang}").value == "wave"
    period = at.selectbox(key="forum_period_wave")
    assert period.options == [W3, W2, W1] and period.value == W3  # latest first, in wave order
    at.selectbox(key="forum_jurisdiction").set_value("S02").run()
    assert not at.exception, at.exception
    s = summary(city, "S02", W3, lang)
    text = texts(at)
    assert s.compared in text and W2 in s.compared  # "2021年第三轮与上一轮调查2021年第二轮比较…"
    tile = s.tile("satisfaction")
    metrics = {m.label.replace("\\", ""): m for m in at.metric}
    assert metrics[tile.label].value == "40.0%"  # 16/40
    assert metrics[tile.label].delta == ("-30.0 个百分点" if lang == "zh" else "-30.0 points")  # a real fall
    assert tile.headline_change.brief in text and tile.interval_sentence in text
    assert t("forum.page.cases_by_period", lang) in text  # cases are dated, not in waves: said, not "no cases"
    assert "forum_from_topics" not in [b.key for b in at.button]
    assert len(at.get("download_button")) == 2
    # the earlier wave: about the same as the first wave, two months before
    at.selectbox(key="forum_period_wave").set_value(W2).run()
    assert not at.exception, at.exception
    s2 = summary(city, "S02", W2, lang)
    text = texts(at)
    assert s2.compared in text and W1 in s2.compared
    assert s2.tile("satisfaction").headline_change.brief in text
    assert {m.label.replace("\\", ""): m for m in at.metric}[tile.label].delta in (None, "")  # no arrow


def test_a_suppressed_wave_shows_the_label_never_a_number(wave_page, city):
    at = wave_page("en")
    at.selectbox(key="forum_jurisdiction").set_value("S03").run()
    assert not at.exception, at.exception
    tile = summary(city, "S03", W3, "en").tile("satisfaction")
    metrics = {m.label.replace("\\", ""): m.value for m in at.metric}
    assert metrics[tile.label] == "—" and tile.rate.text in texts(at)  # "suppressed"
    assert "65.0%" not in texts(at)  # 13/20, suppressed


@pytest.mark.parametrize("page", ["overview", "trends"])
def test_overview_and_trends_open_with_survey_waves(wave_page, page):
    # Before: with the granularity 'Survey wave' the Overview's scorecard and the Trends page's trend test read
    # the wave labels as calendar periods and the page stopped with an error.
    at = wave_page("en")
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_link_page_on_waves_says_to_choose_a_calendar_period(city, monkeypatch, lang):
    """The Link page relates dated police-work records to the survey; on waves it says so instead of failing."""
    monkeypatch.setenv("JINGMIN_DB", str(city))
    st.cache_data.clear()
    at = start(lang, page="link", _granularity="wave")
    assert [e.value for e in at.info] == [t("link.by_calendar_period", lang)]
