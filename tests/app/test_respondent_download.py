"""Data page: the respondent-level download is offered to analysts and admins only, and has no personal data."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from analytics import store
from tests.app.helpers import signed_in
from tests.conftest import copy_db
from tests.data.test_scope_cli import STATION, build_scope_city


@pytest.fixture
def synthetic_db_path(tmp_path, built_db):
    """The scope city, with a keyed hash on some respondents (it must never be exported)."""
    path = copy_db(built_db("scope", build_scope_city), tmp_path / "scope.duckdb")
    con = store.connect(path)
    con.execute("UPDATE respondents SET person_hash = 'secret-hash-' || respondent_key WHERE respondent_key < 50")
    con.close()
    return path


def subheaders(at) -> list[str]:
    return [str(e.value) for e in at.subheader]


@pytest.mark.parametrize(("username", "title"), [("ana", "Respondent-level data"), ("root", "受访者明细数据")])
def test_analyst_and_admin_can_download_respondents(app, synthetic_db_path, downloads, username, title):  # noqa: F811
    at = signed_in(app, synthetic_db_path, username, lang="en" if username == "ana" else "zh")
    at.switch_page("app_pages/data.py")
    at.run()
    assert title in subheaders(at)
    at.button(key="data_resp_prepare").click().run()
    assert not at.exception, at.exception
    assert at.success and "6020" in str(at.success[0].value)
    files = [f for f in downloads if f.startswith("batch_id,respondent_id")]
    assert len(files) == 1
    frame = pd.read_csv(io.StringIO(files[0]), dtype=str)
    assert len(frame) == 6020 and "person_hash" not in frame.columns and "secret-hash" not in files[0]
    assert {"satisfaction", "trust", "attitude"} <= set(frame.columns)
    con = store.connect(synthetic_db_path)
    entries = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'export.respondents'").fetchall()
    con.close()
    assert [(a, json.loads(d)["rows"]) for a, d in entries] == [(username, 6020)]


@pytest.mark.parametrize("username", ["boss", STATION])
def test_leader_and_station_get_no_respondent_download(app, synthetic_db_path, downloads, username):  # noqa: F811
    at = signed_in(app, synthetic_db_path, username)
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception
    assert "Respondent-level data" not in subheaders(at)
    assert not [b for b in at.button if b.key == "data_resp_prepare"]
    assert not [f for f in downloads if f.startswith("batch_id,respondent_id")]
