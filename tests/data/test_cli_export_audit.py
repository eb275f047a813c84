"""Every table a CLI command prints is an export and is audited (issue 21 item 8): ``export.cli`` with the
command, its options and the number of rows, written by the authenticated user after a read-only read."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from analytics import peers, store
from analytics.cli import main
from analytics.roles import LOCAL_USER
from tests.app.test_case_pages import add_cases_and_drivers
from tests.conftest import build_synthetic_city

PERIOD = "2025Q4"
# (argv, rows printed: None when the output is not one CSV row per table row)
COMMANDS = [
    (["indicators", "--by", "jurisdiction,quarter"], "csv"),
    (["indicators", "--level", "district", "--format", "json"], "json"),
    (["compare", "--indicator", "satisfaction", "--period", PERIOD], "csv"),
    (["cases", "--by", "jurisdiction,quarter"], "csv"),
    (["cases", "--open-loop"], "csv"),
    (["cases", "--gap"], "csv"),
    (["drivers", "--bootstrap", "0"], "csv"),
    (["batches", "list"], "csv"),
    (["peers", "list", "--format", "json"], "json"),
    (["weights", "show", "--format", "csv"], "csv"),
    (["weights", "show"], "text"),
    (["alerts", "--period", PERIOD, "--format", "json"], "json"),
    (["integrity", "--period", PERIOD], "csv"),
    (["integrity", "rows", "--period", PERIOD], "csv"),
    (["integrity", "exclusions", "--format", "json"], "json"),
    (["targets", "list"], "csv"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The synthetic city with cases, driver items and a peer group; no account (the local admin acts)."""
    path = tmp_path_factory.mktemp("exports") / "city.duckdb"
    con = store.connect(path)
    build_synthetic_city(con)
    add_cases_and_drivers(con)
    peers.save_peer_group(con, "pair", ["S1", "S2"], user=LOCAL_USER)
    con.close()
    return path


@pytest.fixture
def city(built, tmp_path) -> Path:
    """A fresh copy per test, so each starts with no export in its audit log."""
    return Path(shutil.copy(built, tmp_path / "city.duckdb"))


def _run(argv: list[str], monkeypatch) -> tuple[int, str]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    code = main(argv)
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    return code, out.getvalue()


def _cli_exports(path) -> list[tuple[str, dict]]:
    con = store.connect(path, read_only=True)
    rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'export.cli' ORDER BY audit_id").fetchall()
    con.close()
    return [(actor, json.loads(detail)) for actor, detail in rows]


@pytest.mark.parametrize(("argv", "fmt"), COMMANDS, ids=[" ".join(a) for a, _f in COMMANDS])
def test_a_printed_table_is_audited_with_command_options_and_rows(city, monkeypatch, argv, fmt):
    db = ["--db", str(city)]
    assert _cli_exports(city) == []
    code, text = _run([*argv, *db], monkeypatch)
    assert code == 0
    entries = _cli_exports(city)
    assert len(entries) == 1
    actor, detail = entries[0]
    assert actor == "local"
    words = [w for w in argv if not w.startswith("-")]
    grouped = argv[0] in ("batches", "peers", "weights", "targets") or argv[1] in ("rows", "exclusions")
    assert detail["command"] == " ".join(words[:2] if grouped else words[:1])
    assert "db" not in detail["options"] and "password_stdin" not in detail["options"]
    if fmt == "csv":
        assert detail["rows"] == len(text.splitlines()) - 1
        assert detail["options"]["format"] == "csv"
    elif fmt == "json":
        assert detail["rows"] == len(json.loads(text))
    else:
        assert detail["rows"] >= 1 and "Kish effective n" in text


def test_the_respondent_export_is_audited_as_a_cli_export_too(city, monkeypatch, tmp_path):
    out = tmp_path / "respondents.csv"
    code, _text = _run(["batches", "export", "1", "--out", str(out), "--db", str(city)], monkeypatch)
    assert code == 0
    (actor, detail), = _cli_exports(city)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert detail["command"] == "batches export" and detail["rows"] == len(lines) - 1 > 0
    assert detail["options"]["out"] == str(out) and detail["options"]["batch_id"] == 1
