"""The Forum page in both languages on the forum test city: tiles equal the summary, suppressed stays suppressed."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from analytics import forum, store
from analytics.i18n import t
from analytics.periods import period_kind as _period_kind
from analytics.selection import Selection
from tests.app.helpers import on_database, page_text, start
from tests.data.test_forum import ACTIONS, PERIOD, build_forum_city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return build_forum_city(tmp_path_factory.mktemp("forum_page") / "forum.duckdb")


@pytest.fixture
def forum_page(city, monkeypatch):
    """``forum_page(lang, clean=False)``: an AppTest that has opened the Forum page on the forum city."""
    def make(lang: str = "zh", *, clean: bool = False) -> AppTest:
        return start(lang, page="forum", query={"clean": "1"} if clean else None)

    with on_database(city, monkeypatch):
        yield make


def unescape(text: str) -> str:
    return text.replace("\\", "")


def texts(at: AppTest) -> str:
    return unescape(page_text(at, ("markdown", "title", "header", "subheader", "caption", "info")))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forum_page_shows_the_summary(forum_page, city, lang):
    at = forum_page(lang)
    con = store.connect(city)
    summary = forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,)), 'S1', lang)
    con.close()
    assert at.selectbox(key="forum_jurisdiction").value == "S1"
    assert at.selectbox(key="forum_period_quarter").value == PERIOD
    text = texts(at)
    assert summary.title in text and summary.subtitle in text
    metrics = {unescape(m.label): m.value for m in at.metric}
    for tile in summary.tiles:
        assert metrics[tile.label] == tile.rate.text
        assert tile.interval_sentence in text and tile.headline_change.brief in text
    for figure in summary.cases:
        assert metrics[figure.label] == (figure.rate.text if figure.rate.shown else "—")
    assert t("forum.page.compare", lang) in text and t("forum.page.actions", lang) in text
    comparison, editor = (frame.value for frame in at.dataframe)
    assert list(comparison.index) == [summary.place.name, summary.district.name, summary.city.name]
    assert list(comparison.loc[summary.place.name]) == [tile.rate.text for tile in summary.tiles]
    assert list(comparison.loc[summary.city.name]) == [tile.city.text for tile in summary.tiles]
    assert list(editor["concern"]) == [a["concern"] for a in ACTIONS]
    assert list(editor["status"]) == [a["status"] for a in ACTIONS]
    assert [b.key for b in at.button] == ["forum_from_topics", "forum_save"]
    assert len(at.get("download_button")) == 2
    assert at.toggle(key="forum_clean").value is False


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_suppressed_station_shows_the_label_never_a_number(forum_page, lang):
    at = forum_page(lang)
    at.selectbox(key="forum_jurisdiction").set_value("S5").run()
    assert not at.exception
    label = t("forum.rate.not_reported", lang)
    metrics = {unescape(m.label): m.value for m in at.metric}
    con = store.connect(os.environ["JINGMIN_DB"])
    summary = forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,)), 'S5', lang)
    con.close()
    for tile in summary.tiles:
        assert metrics[tile.label] == "—"
    text = texts(at)
    assert text.count(f"**{label}**") >= len(summary.tiles)
    assert summary.tiles[0].interval_sentence in text
    comparison = at.dataframe[0].value
    assert set(comparison.loc[summary.place.name]) == {label}


def test_clean_mode_from_the_address_presents_without_editing_or_downloads(forum_page):
    at = forum_page("en", clean=True)
    assert at.toggle(key="forum_clean").value is True
    assert not at.get("download_button") and not at.button
    (_comparison, actions) = (frame.value for frame in at.dataframe)
    assert list(actions.iloc[:, 2]) == ["Done", "In progress"]  # read-only, statuses in words
    at.toggle(key="forum_clean").set_value(False).run()
    assert not at.exception
    assert len(at.get("download_button")) == 2 and [b.key for b in at.button] == ["forum_from_topics", "forum_save"]
