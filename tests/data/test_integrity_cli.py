"""``python -m analytics integrity rows|exclusions``: the Integrity page's respondent lists on the command line.

The store is the village store of tests/app/test_village_lists_pages.py: 240 phone interviews in March 2025, 80 per
station, R000..R079 at S1 (even numbers coded to its village V1 "Village V1" 某村, odd ones to S1 itself),
R080..R159 at S2 and its village V2, R160..R239 at S3. S1's interviews took 0.1 minutes = 6 seconds for two or
three answered items, under SEC_PER_ITEM = 6 s per item, so all 80 are too short and S1 alerts on duration (80 of
80 against 0 of 160 elsewhere); S2's and S3's took 20 minutes. No other check has the data it needs (no
interviewers, no person keys, one satisfaction item), so the respondents behind the alerts are exactly R000..R079,
each named by the duration alert only.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics import auth, integrity, store
from analytics.cli import main as cli_main
from analytics.roles import LOCAL_USER, User
from analytics.selection import Selection
from tests.app.test_village_lists_pages import build_village_store

PERIOD = "2025Q1"
PLANTED = [f"R{i:03d}" for i in range(80)]
IN_VILLAGE = {f"R{i:03d}" for i in range(0, 80, 2)}
ADMIN = User("admin", "admin")


@pytest.fixture(scope="module")
def village_file(tmp_path_factory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
        folder = tmp_path_factory.mktemp("integrity_cli")
        build_village_store(folder / "village.duckdb", folder)
    return folder / "village.duckdb"


@pytest.fixture
def db(village_file, tmp_path) -> Path:
    """A copy of the village store for one test (the exclusion test writes)."""
    path = tmp_path / "village.duckdb"
    shutil.copyfile(village_file, path)
    return path


def cli_json(capsys, db: Path, *argv: str) -> pd.DataFrame:
    """The table ``integrity ARGV --format json`` prints, as a frame (columns in the printed order)."""
    assert cli_main(["integrity", *argv, "--format", "json", "--db", str(db)]) == 0
    printed = json.loads(capsys.readouterr().out)
    return pd.DataFrame.from_records(printed, columns=list(printed[0]) if printed else None)


def engine_rows(db: Path, level: str, lang: str, unit: str | None = None) -> pd.DataFrame:
    con = store.connect(db, read_only=True)
    try:
        sel = Selection(period_kind="quarter", periods=(PERIOD,), level=level, user=ADMIN)
        return integrity.rows_shown(integrity.flagged_rows(con, sel, unit=unit), level, lang)
    finally:
        con.close()


def test_rows_are_the_planted_too_fast_respondents_as_the_engine_lists_them(capsys, db):
    printed = cli_json(capsys, db, "rows", "--period", PERIOD)
    # By hand (module docstring): S1's 80, the village's by name, no unit column at station level.
    assert sorted(printed["respondent_id"]) == PLANTED
    assert "unit" not in printed.columns and set(printed["station"]) == {"S1"}
    village = dict(zip(printed["respondent_id"], printed["community"], strict=True))
    assert {r for r, c in village.items() if c == "Village V1"} == IN_VILLAGE
    assert {c for r, c in village.items() if r not in IN_VILLAGE} == {""}
    assert printed["f_duration"].all() and printed["too_fast"].all() and not printed["excluded"].any()
    assert not printed[["f_straight", "f_repeat", "f_burst"]].any().any()
    assert set(printed["duration_min"]) == {0.1} and set(printed["n_items"]) <= {2, 3}
    # The engine's list, row for row and column for column (dates as the JSON writer prints them).
    expected = engine_rows(db, "station", "en")
    assert printed.columns.tolist() == expected.columns.tolist()
    assert printed["respondent_id"].tolist() == expected["respondent_id"].tolist()
    assert printed["interview_date"].tolist() == [d.isoformat() for d in expected["interview_date"]]
    same = ["batch_id", "station", "community", "interviewer", "channel", "n_items", "f_duration", "excluded"]
    assert printed[same].to_dict("list") == expected[same].to_dict("list")


def test_rows_above_station_level_name_the_district_and_the_village_in_the_language(capsys, db):
    printed = cli_json(capsys, db, "rows", "--period", PERIOD, "--level", "district", "--lang", "zh")
    # S1 and S2 are in D1 (REGISTRY): D1 has 80 of 160 too-short interviews against D2's 0 of 80.
    assert sorted(printed["respondent_id"]) == PLANTED and set(printed["unit"]) == {"D1"}
    assert printed.columns.tolist()[:4] == ["respondent_id", "batch_id", "unit", "station"]
    assert set(printed.loc[printed["respondent_id"].isin(IN_VILLAGE), "community"]) == {"某村"}
    assert printed["respondent_id"].tolist() == engine_rows(db, "district", "zh")["respondent_id"].tolist()


def test_rows_of_one_unit(capsys, db):
    assert sorted(cli_json(capsys, db, "rows", "--period", PERIOD, "--unit", "S1")["respondent_id"]) == PLANTED
    assert cli_json(capsys, db, "rows", "--period", PERIOD, "--unit", "S2").empty  # S2 is not at alert


def test_exclusions_list_the_excluded_respondents_with_the_reason_in_words(capsys, db):
    assert cli_json(capsys, db, "exclusions").empty
    con = store.connect(db)
    sel = Selection(period_kind="quarter", periods=(PERIOD,), level="station", user=ADMIN)
    assert integrity.exclude_flagged(con, sel) == 80
    con.close()
    printed = cli_json(capsys, db, "exclusions")
    assert sorted(printed["respondent_id"]) == PLANTED
    assert printed.columns.tolist() == integrity.EXCLUSION_SHOWN_COLUMNS
    assert set(printed["reason"]) == {"Duration"} and set(printed["period"]) == {PERIOD}
    assert set(printed["excluded_by"]) == {"admin"} and printed["active"].all()
    assert set(printed["restored_by"]) == {""} and set(printed["restored_at"]) == {""}  # blank, not None
    assert set(printed.loc[printed["respondent_id"].isin(IN_VILLAGE), "community"]) == {"Village V1"}
    assert set(cli_json(capsys, db, "exclusions", "--lang", "zh")["reason"]) == {"访问时长"}
    con = store.connect(db)
    assert integrity.restore(con, sel) == 80
    con.close()
    printed = cli_json(capsys, db, "exclusions")
    assert len(printed) == 80 and not printed["active"].any() and set(printed["restored_by"]) == {"admin"}


def test_flags_stay_the_default_action(capsys, db):
    printed = cli_json(capsys, db, "--period", PERIOD, "--flagged-only")
    assert printed[["check", "jurisdiction", "flag"]].values.tolist() == [["duration", "S1", "alert"]]
    assert cli_json(capsys, db, "flags", "--period", PERIOD, "--flagged-only").equals(printed)


@pytest.mark.parametrize("action", ["rows", "exclusions"])
def test_leaders_are_refused_the_respondent_lists(capsys, monkeypatch, db, action):
    con = store.connect(db)
    auth.add_user(con, "boss", "a long password", "leader", user=LOCAL_USER)
    con.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    argv = ["integrity", action, *(["--period", PERIOD] if action == "rows" else []), "--db", str(db),
            "--user", "boss", "--password-stdin"]
    assert cli_main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "may not do this (integrity)" in captured.err
