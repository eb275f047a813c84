"""The Integrity page on the demo city: the planted stations' flags with evidence in words, the respondents
behind them for the local admin (analyst rights), exclusion from the sensitivity view on Compare and back;
leaders see flags but no respondent rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import auth, store
from analytics.roles import LOCAL_USER
from tests.app.helpers import page_text
from tests.conftest import build_demo_city

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_file(built_db) -> Path:
    """The session's demo city (tests/conftest.py), never opened here: each test copies it (demo_app)."""
    return built_db("demo", build_demo_city)


@pytest.fixture
def demo_app(demo_file, tmp_path, monkeypatch):
    """``demo_app(lang, user=None)``: the dashboard on a copy of the demo city, on the Integrity page."""
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_file.read_bytes())
    monkeypatch.setenv("JINGMIN_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(lang: str = "en", user: auth.User | None = None) -> AppTest:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        at.session_state["lang"] = lang
        if user is not None:
            at.session_state["user"] = user
            at.session_state["last_active"] = time.monotonic()
        at.run()
        at.switch_page("app_pages/integrity.py")
        at.run()
        assert not at.exception, at.exception
        return at

    make.path = path
    yield make
    st.cache_data.clear()
    st.cache_resource.clear()


def text_of(at: AppTest) -> str:
    return "\n".join([page_text(at, ("title", "subheader", "caption", "markdown", "success", "info")),
                      *(frame.value.to_csv() for frame in at.dataframe)])


@pytest.mark.parametrize(("lang", "alert", "station", "burst_words"), [
    ("en", "alert", "Qingshiqiao Police Station", "'very satisfied' interviews within 30 minutes"),
    ("zh", "警示", "青石桥派出所", "30 分钟内有 40 份“非常满意”"),
])
def test_integrity_page_shows_the_planted_stations(demo_app, lang, alert, station, burst_words):
    at = demo_app(lang)
    text = text_of(at)
    summary = at.dataframe[0].value
    alerted = summary[summary.iloc[:, 1].str.contains(alert)]
    assert set(alerted.iloc[:, 0]) == {station, "Beicheng Police Station" if lang == "en" else "北城派出所"}
    assert burst_words in text and "S10-F3" in text
    # the local admin may see the respondents behind the alerts
    assert at.button(key="int_exclude").label.startswith("Exclude" if lang == "en" else "在敏感性视图中排除")


def test_exclusion_shows_on_compare_and_can_be_restored(demo_app):
    at = demo_app("en")
    at.button(key="int_exclude").click().run()
    assert not at.exception, at.exception
    assert any("respondents excluded" in s.value for s in at.success)
    con = store.connect(demo_app.path, read_only=True)
    excluded = con.execute("SELECT count(*) FROM integrity_exclusions WHERE restored_at IS NULL").fetchall()[0][0]
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'integrity.exclude'").fetchall()[0][0] == 1
    con.close()
    assert excluded > 40
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, at.exception
    sens = at.dataframe[-1].value
    assert "Without excluded" in sens.columns
    row = sens[sens.iloc[:, 0] == "Qingshiqiao Police Station"].iloc[0]
    assert row["Excluded"] > 0 and row["All answers"] != row["Without excluded"]
    at.switch_page("app_pages/integrity.py").run()
    at.button(key="int_restore").click().run()
    assert not at.exception, at.exception
    con = store.connect(demo_app.path, read_only=True)
    assert con.execute("SELECT count(*) FROM integrity_exclusions WHERE restored_at IS NULL").fetchall()[0][0] == 0
    con.close()


def test_leader_sees_flags_but_no_respondent_rows(demo_app):
    con = store.connect(demo_app.path)
    auth.add_user(con, "root", "a long password", "admin", user=LOCAL_USER)
    con.close()
    at = demo_app("en", user=auth.User("boss", "leader"))
    text = text_of(at)
    assert "Qingshiqiao Police Station" in text
    assert "shown to analysts and admins only" in text
    assert not [b for b in at.button if b.key in ("int_exclude", "int_restore")]
