"""Pages on a registry with communities (社区/村) below the stations.

Figures per community are not offered in this step (tiny samples; suppression would hide most): the pages
that list every registry jurisdiction in a picker (Breakdowns, Forum) offer cities, districts and stations
only, and every page still draws. Before, a community in the registry made the Breakdowns page fail
(its sort knew three levels) and the Forum picker offer a community whose summary no level can show.
"""

from __future__ import annotations

import pytest

from analytics import store
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER
from tests.app.helpers import on_database, start
from tests.data.test_ingest_community import REGISTRY

SURVEY = "编号,访问时间,辖区,满意度,性别\n" + "".join(
    f"R{i:02d},2025-03-{5 + i % 20:02d},{code},{4 + i % 2},{'男' if i % 3 else '女'}\n"
    for i, code in enumerate(["V1", "S1", "V2", "S2", "S3"] * 8))


@pytest.fixture
def village_db(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    path = tmp_path / "village.duckdb"
    con = store.connect(path)
    try:
        for kind, name, text in (("jurisdictions", "registry.csv", REGISTRY), ("survey", "survey.csv", SURVEY)):
            (tmp_path / name).write_text(text, encoding="utf-8")
            ingest_file(con, kind, tmp_path / name, user=LOCAL_USER, constants={"mode": "phone"} if kind == "survey"
                        else None)
    finally:
        con.close()
    with on_database(path, monkeypatch):
        yield path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_breakdowns_and_forum_pickers_leave_communities_out(village_db, lang):
    at = start(lang, page="breakdowns")
    picked = at.selectbox(key="bd_jurisdiction").options
    assert len(picked) == 6 and not any("V1" in o or "V2" in o for o in picked), picked
    at = start(lang, page="forum")
    picked = at.selectbox(key="forum_jurisdiction").options
    assert len(picked) == 6 and not any("V1" in o or "V2" in o for o in picked), picked


@pytest.mark.parametrize("page", ["overview", "data", "compare", "trends"])
def test_pages_draw_on_a_registry_with_communities(village_db, page):
    start("en", page=page)  # asserts no exception
