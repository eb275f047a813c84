"""The Assessment page: ranking with intervals, formula, statuses, officers, audited workbook and edits."""

from __future__ import annotations

import time

import pytest

from analytics import assessment, auth, store
from tests.app.test_scope_pages import rendered
from tests.data.test_scope_cli import build_scope_city


@pytest.fixture
def synthetic_db_path(tmp_path):
    return build_scope_city(tmp_path / "scope.duckdb")


def open_as(app, db, username: str, lang: str = "en"):
    con = store.connect(db)
    user = auth.get_user(con, username)
    con.close()
    at = app(lang, user=user, last_active=time.monotonic())
    at.switch_page("app_pages/assessment.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_leader_sees_the_ranking_formula_and_officers(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "boss")
    text = rendered(at)
    assert "Scheme 'standard'" in text and "weight 25 (25.0%) × Satisfaction" in text
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Rank (interval)", "Jurisdiction", "Score (95% interval)"]
    assert {"Station A", "Station B", "Station C", "Station D"} <= set(table["Jurisdiction"])
    assert table["Rank (interval)"].str.match(r"^\d+ \(\d+–\d+\)$").sum() >= 4
    assert "S2-J1" in text  # a leader sees every station's officers
    assert any(b.label.startswith("Download the assessment workbook") for b in at.get("download_button"))
    assert "Only analysts and admins can change this." in text


def test_zh_page_and_station_user(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "s1chief", lang="zh")
    text = rendered(at)
    assert "考核" in text and "甲派出所" in text and "S1-J1" in text
    assert "S2-J1" not in text and "乙派出所" not in text


def test_analyst_sets_a_target_and_saves_a_scheme_audited(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "ana")
    at.number_input(key="as_target_value").set_value(0.5)
    at.selectbox(key="as_target_component").set_value("indicator:satisfaction")
    form_button = next(b for b in at.get("form_submit_button") if b.label == "Save target")
    form_button.click().run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path)
    targets = assessment.list_targets(con)
    assert list(targets["component"]) == ["satisfaction"] and targets["updated_by"].iloc[0] == "ana"
    con.close()
    status = rendered(at)
    assert "Target saved" in status and ("met" in status)
    at.text_input(key="as_scheme_name").set_value("satisfaction first").run()
    at.button(key="as_scheme_save").click().run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path)
    assert "satisfaction first" in [s.name for s in assessment.list_schemes(con)]
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'assessment.scheme_save' "
                       "AND actor = 'ana'").fetchall()[0][0] == 1
    con.close()
