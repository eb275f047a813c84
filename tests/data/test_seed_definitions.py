"""A new database gets its default definitions from the named file store/seed_definitions (generated from
analytics/definitions.py by tools/seed_sql.py): the rows it stores are the rows definitions.save_item and
save_indicator store for the same defaults, for the shipped basic_satisfied_weight and an edited one."""

import pytest

from analytics import definitions, store
from analytics.roles import LOCAL_USER

_ROWS = {"items": "SELECT * FROM items ORDER BY item", "indicators": "SELECT * FROM indicators ORDER BY key"}


def _rows(con):
    return {table: con.execute(sql).fetchall() for table, sql in _ROWS.items()}


def _saved_through_python(con, weight):
    con.execute("DELETE FROM indicators")
    con.execute("DELETE FROM items")
    for item in definitions.DEFAULT_ITEMS:
        definitions.save_item(con, item, user=LOCAL_USER)
    for ind in definitions.default_indicators(weight):
        definitions.save_indicator(con, ind, user=LOCAL_USER)
    return _rows(con)


@pytest.mark.parametrize("weight", [1.0, 0.5, 0.75])
def test_seeded_definitions_equal_the_python_defaults(tmp_path, weight):
    path = tmp_path / "seed.duckdb"
    store.connect(path).close()
    con = store.connect(path)
    con.execute("UPDATE settings SET value = $v WHERE name = 'basic_satisfied_weight'", {"v": str(weight)})
    con.execute("DELETE FROM indicators")
    store.migrate(con)  # seeds again what is missing, reading the edited setting
    seeded = _rows(con)
    assert len(seeded["items"]) == len(definitions.DEFAULT_ITEMS)
    assert seeded == _saved_through_python(con, weight)
    con.close()


def test_seeding_keeps_an_edited_definition(empty_db):
    empty_db.execute("UPDATE indicators SET label_en = 'Edited' WHERE key = 'trust'")
    store.migrate(empty_db)
    assert empty_db.execute("SELECT label_en FROM indicators WHERE key = 'trust'").fetchall() == [("Edited",)]


def test_the_store_builds_no_demo_the_entry_points_do(tmp_path, monkeypatch):
    """store.connect creates an empty default database; demo.ensure_default_database (what the dashboard and the
    CLI call) fills a missing default file from the demo city, once, and leaves any other path alone."""
    from analytics import demo

    default = tmp_path / "jingmin.duckdb"
    monkeypatch.setattr(store, "DEFAULT_DB_PATH", default)
    monkeypatch.setattr(demo, "DEMO_FILES", [("jurisdictions", "jurisdictions.csv")])
    other = tmp_path / "other.duckdb"
    assert not demo.ensure_default_database(other) and not other.exists()
    con = store.connect(default)
    assert con.execute("SELECT count(*) FROM batches").fetchall() == [(0,)]
    con.close()
    assert not demo.ensure_default_database(default)  # exists: left alone
    default.unlink()
    # Without a current export: built through the pipeline (here only the registry, as DEMO_FILES says).
    monkeypatch.setattr(demo, "prebuilt_is_current", lambda folder=demo.PREBUILT_DIR: False)
    assert demo.ensure_default_database(default)
    con = store.connect(default, read_only=True)
    assert con.execute("SELECT kind FROM batches").fetchall() == [("jurisdictions",)]
    assert con.execute("SELECT count(*) FROM jurisdiction_boundaries").fetchall()[0][0] > 0
    con.close()
    default.unlink()
    # With the shipped export current: imported whole (every demo batch, not the one DEMO_FILES names), then
    # migrated like any file (the schema is current: nothing to apply).
    monkeypatch.undo()
    monkeypatch.setattr(store, "DEFAULT_DB_PATH", default)
    assert demo.prebuilt_is_current()
    assert demo.ensure_default_database(default)
    con = store.connect(default, read_only=True)
    kinds = {row[0] for row in con.execute("SELECT kind FROM batches").fetchall()}
    assert {"jurisdictions", "survey", "cases"} <= kinds
    assert con.execute("SELECT count(*) FROM batches").fetchall()[0][0] == len(demo.DEMO_FILES)
    con.close()
