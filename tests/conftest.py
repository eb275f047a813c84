"""Shared fixtures: databases are built from committed text into tmp_path, never committed binaries."""

from pathlib import Path

import pytest

from analytics import engine, store

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


@pytest.fixture
def empty_db(tmp_path):
    """A migrated, empty database in tmp_path (a non-default path: no demo is built)."""
    con = store.connect(tmp_path / "empty.duckdb")
    yield con
    con.close()


@pytest.fixture
def fixture_db(tmp_path):
    """The tiny hand-computable city of tests/data/fixture_survey.sql, with no suppression."""
    con = store.connect(tmp_path / "fixture.duckdb")
    con.execute((TESTS / "data" / "fixture_survey.sql").read_text(encoding="utf-8"))
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")
    engine.refresh_cells(con)
    yield con
    con.close()
