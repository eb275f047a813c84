"""Scope matrix for the dashboard: a signed-in station user sees only its own subtree on every page.

Every page script in pages/ (except the shared helpers and the sign-in page) is opened as a station
user (S1, in district D1) at the station and the district level. Everything the page draws — text,
tables, chart specs, widget options — and every CSV it offers for download must not name another
station or district. Pages are listed from the folder, so a new page is checked without being added here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import open_page, rendered, signed_in
from tests.conftest import copy_db
from tests.data.test_scope_cli import STATION, build_scope_city, leaks

REPO = Path(__file__).resolve().parents[2]
NOT_PAGES = {"__init__.py", "common.py", "login.py", "record_views.py"}
PAGES = sorted(p.name for p in (REPO / "app_pages").glob("*.py") if p.name not in NOT_PAGES)


@pytest.fixture
def synthetic_db_path(tmp_path, built_db):
    """The scope city (synthetic city + cases, driver items, a cross-district peer group, accounts)."""
    return copy_db(built_db("scope", build_scope_city), tmp_path / "scope.duckdb")


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
