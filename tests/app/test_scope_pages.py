"""Scope matrix for the dashboard: a signed-in station user sees only its own subtree on every page.

Every page script in pages/ (except the shared helpers and the sign-in page) is opened as a station
user (S1, in district D1) at the station and the district level. Everything the page draws — text,
tables, chart specs, widget options — and every CSV it offers for download must not name another
station or district. Pages are listed from the folder, so a new page is checked without being added here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from analytics import auth, store
from tests.data.test_scope_cli import STATION, build_scope_city, leaks

REPO = Path(__file__).resolve().parents[2]
NOT_PAGES = {"__init__.py", "common.py", "login.py"}
PAGES = sorted(p.name for p in (REPO / "app_pages").glob("*.py") if p.name not in NOT_PAGES)


@pytest.fixture
def synthetic_db_path(tmp_path):
    """The scope city (synthetic city + cases, driver items, a cross-district peer group, accounts)."""
    return build_scope_city(tmp_path / "scope.duckdb")


@pytest.fixture
def downloads(monkeypatch):
    """Every file a page hands to a download button in this test, as text."""
    files: list[str] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        data = path_or_data
        if isinstance(data, bytes):
            files.append(data.decode("utf-8-sig", "replace"))
        elif isinstance(data, str):
            files.append(data)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return files


def _decoded(value):
    """Strings that hold JSON (chart specs) decoded, so their text is compared as shown."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _decoded(json.loads(value))
        except ValueError:
            return value
    return value


def rendered(at) -> str:
    """All that a run drew: every element's message (chart specs decoded) and every table's cells."""
    parts = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe", "table"):
            frame = node.value
            parts.append(frame.to_csv() + " ".join(map(str, frame.columns)))
            continue
        parts.append(json.dumps(_decoded(MessageToDict(proto)), ensure_ascii=False))
    return "\n".join(parts)


def signed_in(app, synthetic_db_path, username: str, lang: str = "en"):
    con = store.connect(synthetic_db_path)
    user = auth.get_user(con, username)
    con.close()
    return app(lang, user=user, last_active=time.monotonic())


def open_page(at, page: str, level: str | None = None):
    at.switch_page(f"app_pages/{page}")
    at.run()
    if level is not None:
        at.selectbox(key=f"level_{at.session_state['lang']}").set_value(level).run()
    assert not at.exception, at.exception
    return at


def test_every_page_is_in_the_matrix():
    assert {"overview.py", "trends.py", "compare.py", "upload.py", "data.py", "weights.py", "cases.py", "link.py",
            "drivers.py", "forum.py"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_station_user_page_shows_only_its_subtree(app, synthetic_db_path, downloads, page):
    at = signed_in(app, synthetic_db_path, STATION, lang="zh")
    for level in ("station", "district"):
        open_page(at, page, level)
        if page == "compare.py":
            at.selectbox(key=f"cmp_group_{level}").set_value("mixed" if level == "station" else "").run()
        text = rendered(at)
        assert "s1chief" in text  # signed in as the station user, not bounced to the sign-in page
        assert leaks(text) == [], (page, level)
    for content in downloads:
        assert leaks(content) == [], page


def test_the_matrix_would_see_a_leak(app, synthetic_db_path, downloads):
    """The same pages for a leader do name other stations: the collection above sees what a page shows."""
    at = signed_in(app, synthetic_db_path, "boss")
    seen = []
    for page in ("overview.py", "compare.py", "cases.py", "weights.py"):
        open_page(at, page)
        seen += leaks(rendered(at))
    assert {"S2", "Station B", "District Two"} <= set(seen)
    assert any(leaks(content) for content in downloads)
