"""The modules that used to run SQL literals themselves (auth, definitions, weighting, published results, the
store) now run every statement through analytics.db, so a DuckDB error in them reaches a person as a
JingminError with DuckDB's error as its cause, never as a bare duckdb.Error (issue 14 item 2).

A read-only connection makes any write fail inside DuckDB (not in Jingmin's own checks): before this change each
call below raised duckdb.InvalidInputException ("attached in read-only mode") straight to the page or CLI."""

import duckdb
import pandas as pd
import pytest

from analytics import auth, definitions, store, weighting
from analytics.errors import ConfigError, JingminError
from analytics.roles import LOCAL_USER


@pytest.fixture
def read_only(tmp_path):
    path = tmp_path / "ro.duckdb"
    store.connect(path).close()
    con = store.connect(path, read_only=True)
    yield con
    con.close()


def _raises_wrapped(call):
    with pytest.raises(JingminError) as info:
        call()
    assert isinstance(info.value.__cause__, duckdb.Error), info.value
    assert "read-only" in str(info.value.__cause__)
    return info.value


def test_account_writes_are_wrapped(read_only):
    _raises_wrapped(lambda: auth.add_user(read_only, "ann", "a long password", "admin", user=LOCAL_USER))


def test_definition_writes_are_wrapped(read_only):
    item = definitions.get_item(read_only, definitions.list_items(read_only)[0].item)
    _raises_wrapped(lambda: definitions.save_item(read_only, item, user=LOCAL_USER))


def test_weight_reset_is_wrapped_and_rolled_back(read_only):
    # BEGIN on a read-only file works; the UPDATE fails, the ROLLBACK succeeds, the UPDATE's error is raised.
    error = _raises_wrapped(lambda: weighting.reset_weights(read_only, user=LOCAL_USER))
    assert not getattr(error, "__notes__", [])


def test_raking_reaches_the_database_through_the_boundary(read_only):
    # No respondents: the raking's own check speaks (its scratch tables are TEMP, writable on a read-only file).
    margin = pd.DataFrame({"district": ["D01"], "population": [100]})
    with pytest.raises(JingminError) as info:
        weighting.rake_weights(read_only, [margin], dims=[["district"]], user=LOCAL_USER)
    assert info.value.message_key == "error.weighting.no_respondents"


def test_a_bad_memory_limit_is_a_config_error_quoting_duckdb(tmp_path, monkeypatch):
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError) as info:
        store.connect(tmp_path / "m.duckdb")
    assert isinstance(info.value.__cause__, duckdb.Error)
    # DuckDB's own words (not the wrapper's advice) follow the setting's name, as before the boundary
    expected = f"${store.MEMORY_LIMIT_ENV} must be a size such as 3GB or 800MB: {info.value.__cause__}"
    assert info.value.message == expected
