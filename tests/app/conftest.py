"""AppTest fixtures: run dashboard.py against a fixture database, with Streamlit caches cleared."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(synthetic_db_path, monkeypatch):
    """A factory: ``app(lang)`` returns an AppTest of dashboard.py that has run once on the synthetic city."""
    monkeypatch.setenv("JINGMIN_DB", str(synthetic_db_path))
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(lang: str = "zh", **state) -> AppTest:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
        at.session_state["lang"] = lang
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    yield make
    st.cache_resource.clear()
    st.cache_data.clear()
