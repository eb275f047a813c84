"""analytics.db, the one database boundary: every DuckDB error it meets reaches the caller as a JingminError
that says what to do, with DuckDB's error chained; an interrupt passes unchanged (the CLI ends with 130)."""

import duckdb
import pytest

from analytics import db
from analytics.errors import InputDataError, JingminError, OutOfMemoryError, QueryError, StoreError


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


def test_a_named_query_on_a_database_without_its_tables_is_a_query_error_naming_the_file(con):
    with pytest.raises(QueryError) as info:
        db.query_df(con, "ingest/batch_list")
    assert "'ingest/batch_list'" in info.value.message and "report it" in info.value.message
    assert isinstance(info.value.__cause__, duckdb.CatalogException)


@pytest.mark.parametrize("call", [db.execute, db.fetch_one, db.fetch_all])
def test_every_runner_wraps(con, call):
    with pytest.raises(QueryError) as info:
        call(con, "ingest/batch_list")
    assert isinstance(info.value.__cause__, duckdb.Error)


def test_a_missing_file_is_a_store_error_with_advice(con, tmp_path):
    with pytest.raises(StoreError) as info:
        db.run(con, "SELECT * FROM read_csv($p)", {"p": str(tmp_path / "absent.csv")}, what="reading a file")
    assert info.value.exit_code == 3 and "reading a file" in info.value.message
    assert "free space" in info.value.message
    assert isinstance(info.value.__cause__, duckdb.IOException)


def test_an_unreadable_input_is_an_input_data_error(con, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2,3,4\n")
    with pytest.raises(InputDataError) as info:
        db.run(con, "SELECT * FROM read_csv($p, strict_mode = true, auto_detect = false, "
                    "columns = {'a': 'VARCHAR', 'b': 'VARCHAR'}, header = true)", {"p": str(bad)})
    assert isinstance(info.value.__cause__, duckdb.InvalidInputException)


def test_the_memory_limit_is_an_out_of_memory_error_that_names_the_setting(con):
    con.execute("SET memory_limit = '2MB'")
    con.execute("SET threads = 1")
    with pytest.raises(OutOfMemoryError) as info:
        db.run(con, "SELECT list(range) FROM range(10000000)")
    assert "JINGMIN_MEMORY_LIMIT" in info.value.message
    assert isinstance(info.value.__cause__, duckdb.OutOfMemoryException)


def test_generated_sql_gets_only_the_parameters_it_names(con):
    assert db.run(con, "SELECT $a + 1", {"a": 1, "unused": 2}).fetchall() == [(2,)]


def test_an_interrupt_is_not_turned_into_an_error():
    stop = duckdb.InterruptException("INTERRUPT Error: Interrupted!")
    assert db.wrap_error(stop, "x") is stop
    assert not isinstance(db.wrap_error(stop, "x"), JingminError)


def test_execute_many_runs_the_named_statement_once_per_row_in_order(con):
    db.execute(con, "ingest/problems_create")
    db.execute_many(con, "ingest/problem_insert_rows", [])  # no rows: nothing runs (DuckDB refuses an empty list)
    db.execute_many(con, "ingest/problem_insert_rows", [(3, "a", None, "x", "k", "{}"), (1, None, "v", "y", "k", "{}")])
    assert db.run(con, "SELECT row_no, column_name, value, code FROM ingest_problems ORDER BY rowid").fetchall() == [
        (3, "a", None, "x"), (1, None, "v", "y")]


def test_execute_many_wraps_a_duckdb_error_naming_the_file(con):
    db.execute(con, "ingest/problems_create")
    with pytest.raises(QueryError) as info:  # code is NOT NULL
        db.execute_many(con, "ingest/problem_insert_rows", [(1, None, None, None, "k", "{}")])
    assert "'ingest/problem_insert_rows'" in info.value.message
    assert isinstance(info.value.__cause__, duckdb.ConstraintException)


def test_ingest_statements_reach_the_caller_as_jingmin_errors(con):
    """Before the ingest modules ran every statement through analytics.db, these raised DuckDB's own
    CatalogException (no advice, and no handler of JingminError caught it)."""
    from analytics.ingest import batches, mapping, problems
    from analytics.roles import LOCAL_USER

    for call in (lambda: mapping.list_mappings(con), lambda: mapping.load_mapping(con, "x"),
                 lambda: problems.count(con), lambda: batches.remove_batch(con, 1, user=LOCAL_USER)):
        with pytest.raises(QueryError) as info:
            call()
        assert isinstance(info.value.__cause__, duckdb.CatalogException)
