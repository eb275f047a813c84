"""The shipped demo export (data/demo/prebuilt/) is current and equals a rebuild through the pipeline.

A fresh clone imports the export instead of running the ingestion pipeline over data/demo/ (issue 20.2:
first page ≤ 8 s). These tests make the shortcut honest: the export must match today's inputs, and a
rebuild from the inputs with the same (published) demo key must give the same rows in every table.
Columns that hold the moment of the build (load and audit times) are the only ones left out.
"""

from __future__ import annotations

import time

import duckdb

from analytics import demo, store
from analytics.ingest import pii
from analytics.roles import LOCAL_USER

# Wall-clock moments of the build (a column set to now() by the load): they differ between any two builds.
# Data times (reported_at, interview_start...) come from the files and are compared.
VOLATILE = {"logged_at", "loaded_at", "applied_at", "updated_at", "created_at", "excluded_at"}


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = $db AND table_name = $t "
                       "ORDER BY column_index", {"db": db, "t": table}).fetchall()
    return [r[0] for r in rows]


def test_the_export_matches_todays_inputs():
    assert demo.prebuilt_is_current(), (
        "data/demo/prebuilt/ is out of date (a demo input, a migration or analytics/demo.py changed): "
        "run `python -m tools.demo_prebuilt` and commit the result")


def test_the_export_names_no_machine_path_and_imports_from_anywhere(tmp_path):
    """A clone lives at any path: load.sql names bare Parquet files, and a copy of the folder imports."""
    texts = {f.name: f.read_text(encoding="utf-8") for f in demo.PREBUILT_DIR.glob("*.sql")}
    assert {"load.sql", "schema.sql"} <= set(texts)
    assert [name for name, text in texts.items() if str(store.REPO_ROOT) in text or "FROM '/" in text] == []
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for f in demo.PREBUILT_DIR.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        assert demo.import_prebuilt(con, copy) is True
        assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] > 20_000
    finally:
        con.close()


def test_a_fresh_default_database_is_imported_not_built(tmp_path, monkeypatch):
    """The entry points' demo.ensure_default_database on a missing default file takes the export (fast); the file
    ends up migrated and full."""
    monkeypatch.setattr(store, "DEFAULT_DB_PATH", tmp_path / "jingmin.duckdb")
    monkeypatch.setenv("JINGMIN_DB", str(tmp_path / "jingmin.duckdb"))
    built = []
    monkeypatch.setattr(demo, "build_demo_database", lambda *a, **k: built.append(1) or [])
    start = time.perf_counter()
    assert demo.ensure_default_database()
    con = store.connect()
    seconds = time.perf_counter() - start
    try:
        assert not built, "the pipeline ran although the export is current"
        assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] > 20_000
        assert store._schema_is_current(con)
    finally:
        con.close()
    # Not a timing test (the machine is shared): only a guard against the build sneaking back in.
    assert seconds < 60


def test_an_out_of_date_export_falls_back_to_the_build(tmp_path, monkeypatch):
    folder = tmp_path / "prebuilt"
    folder.mkdir()
    (folder / demo.MANIFEST).write_text('{"inputs_sha256": "0"}', encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        assert demo.import_prebuilt(con, folder) is False
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    finally:
        con.close()


def test_the_export_equals_a_rebuild(tmp_path, monkeypatch):
    """Every table, row for row (EXCEPT ALL both ways, so duplicates count), but the build moments."""
    monkeypatch.setenv(pii.SECRET_ENV, demo.DEMO_SECRET)
    rebuilt = store.connect(tmp_path / "rebuilt.duckdb")
    demo.build_demo_database(rebuilt, user=LOCAL_USER)
    rebuilt.close()
    imported = duckdb.connect(str(tmp_path / "imported.duckdb"))
    assert demo.import_prebuilt(imported)
    imported.close()
    imported = store.connect(tmp_path / "imported.duckdb")  # migrations: none should be pending
    imported.execute(f"ATTACH '{tmp_path / 'rebuilt.duckdb'}' AS rebuilt (READ_ONLY)")  # a pytest tmp path
    tables = [r[0] for r in imported.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'rebuilt' ORDER BY 1").fetchall()]
    assert set(tables) == {r[0] for r in imported.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'imported'").fetchall()}
    assert "respondents" in tables and "answers" in tables and "indicator_cells" in tables
    differing = {}
    for table in tables:
        columns = _columns(imported, "rebuilt", table)
        assert columns == _columns(imported, "imported", table), table
        kept = ", ".join(f'"{c}"' for c in columns if c not in VOLATILE)
        # Table and column names come from the catalog of the two files, not from input.
        only = [imported.execute(f'SELECT count(*) FROM (SELECT {kept} FROM {a}."{table}" '  # noqa: S608
                                 f'EXCEPT ALL SELECT {kept} FROM {b}."{table}")').fetchone()[0]
                for a, b in (("imported", "rebuilt"), ("rebuilt", "imported"))]
        if any(only):
            differing[table] = only
    imported.close()
    assert differing == {}, f"rows only in the export / only in the rebuild: {differing}"
