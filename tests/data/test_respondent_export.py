"""Respondent-level download: analysts and admins only, without personal data, audited (engine and CLI)."""

from __future__ import annotations

import io
import json
import sys

import pandas as pd
import pytest

from analytics import auth, store
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied, UnknownNameError
from analytics.ingest import ingest_file, respondent_export
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

FIXTURES = base.FIXTURES
secret = base.secret  # the corpus fixtures: a fresh copy of the registry database per test
registry_template = base.registry_template
reg_db = base.reg_db

BATCH = 2  # after the registry (batch 1)
PII = ("13800138000", "139 0013 9000", "张三", "李四", "person_hash")


@pytest.fixture
def survey_db(reg_db):
    """The fixture registry with the GBK survey (phone numbers hashed, names dropped) and accounts."""
    batch = ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", constants={"mode": "phone"}, user=LOCAL_USER)
    for name, role, code in (("ana", "analyst", None), ("root", "admin", None), ("boss", "leader", None),
                             ("s1chief", "station", "S01")):
        auth.add_user(reg_db, name, "a long password", role, jurisdiction_code=code, user=LOCAL_USER)
    assert batch.batch_id == BATCH
    return reg_db


def audit_entries(con, action):
    return [json.loads(d) | {"actor": a} for a, d in con.execute(
        "SELECT actor, detail FROM audit_log WHERE action = $a ORDER BY audit_id", {"a": action}).fetchall()]


@pytest.mark.parametrize("username", ["ana", "root"])
def test_analyst_and_admin_get_respondents_without_personal_data(survey_db, username):
    user = auth.get_user(survey_db, username)
    frame = respondent_export(survey_db, BATCH, user)
    assert list(frame.columns[:9]) == ["batch_id", "respondent_id", "jurisdiction", "interview_date", "mode",
                                       "design_weight", "weight", "stratum", "cluster"]
    assert list(frame.columns[9:]) == ["knows_contact", "knows_officer", "safety", "satisfaction", "seen_police"]
    assert list(frame["respondent_id"]) == ["G001", "G002", "G003", "G004", "G005", "G006"]
    assert list(frame["satisfaction"]) == ["5", "4", "3", "2", "1", "4"]
    assert set(frame["mode"]) == {"phone"} and list(frame["jurisdiction"][:3]) == ["S01", "S02", "S03"]
    text = frame.to_csv() + " ".join(frame.columns)
    stored_hashes = [r[0] for r in survey_db.execute("SELECT person_hash FROM respondents WHERE person_hash "
                                                     "IS NOT NULL").fetchall()]
    assert stored_hashes and not any(h in text for h in stored_hashes)
    assert not any(p in text for p in PII)
    assert audit_entries(survey_db, "export.respondents") == [
        {"batch_id": BATCH, "rows": 6, "role": user.role, "actor": username}]


@pytest.mark.parametrize("username", ["boss", "s1chief"])
def test_leader_and_station_are_refused(survey_db, username):
    with pytest.raises(AccessDenied):
        respondent_export(survey_db, BATCH, auth.get_user(survey_db, username))
    assert audit_entries(survey_db, "export.respondents") == []


def test_only_loaded_survey_batches(survey_db):
    analyst = auth.get_user(survey_db, "ana")
    with pytest.raises(UnknownNameError, match="not a loaded survey batch"):
        respondent_export(survey_db, 1, analyst)  # the jurisdictions batch
    with pytest.raises(UnknownNameError, match="no batch 99"):
        respondent_export(survey_db, 99, analyst)


def test_local_single_user_may_export(reg_db):
    batch = ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER)
    assert len(respondent_export(reg_db, batch.batch_id, auth.LOCAL_USER)) == 6


def test_cli_batches_export_by_role(survey_db, capsys, tmp_path, monkeypatch):
    db = survey_db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                           ).fetchall()[0][0]
    survey_db.close()
    batch = str(BATCH)

    def as_user(name: str) -> list[str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
        return ["--user", name, "--password-stdin"]

    assert cli_main(["batches", "export", batch, "--db", db, *as_user("ana")]) == 0
    out = capsys.readouterr().out
    frame = pd.read_csv(io.StringIO(out), dtype=str)
    assert len(frame) == 6 and "person_hash" not in frame.columns
    assert not any(p in out for p in PII)
    written = tmp_path / "resp.json"
    assert cli_main(["batches", "export", batch, "--db", db, *as_user("root"), "--format", "json",
                     "--out", str(written)]) == 0
    assert len(json.loads(written.read_text(encoding="utf-8"))) == 6
    for refused in ("boss", "s1chief"):
        assert cli_main(["batches", "export", batch, "--db", db, *as_user(refused)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "may not" in captured.err
    # once accounts exist the CLI must be told who asks
    assert cli_main(["batches", "export", batch, "--db", db]) == 2
    assert "--user" in capsys.readouterr().err
    con = store.connect(db)
    assert [e["actor"] for e in audit_entries(con, "export.respondents")] == ["ana", "root"]
    con.close()
