"""Permissions are checked in the engine (issue 14 item 3): every write function refuses a user whose role
lacks the permission, before it changes anything.

Each case calls the engine function directly (no page, no CLI in between) with a user who may not do it, and
compares every table of the database before and after: rows, audit log and data version included. Without the
``user.require(...)`` at the top of the function, the write would go through (or fail later with another
error), so each case can fail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import auth, definitions, forum, peers, store, weighting, weights
from analytics.errors import AccessDenied
from analytics.ingest import ingest_file, remove_batch, save_mapping
from analytics.roles import LOCAL_USER, User

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
ANALYST = User("ana", "analyst")
LEADER = User("boss", "leader")
STATION = User("s1chief", "station", "S1")
MARGINS = pd.DataFrame({"district": ["D1", "D2"], "population": [200.0, 100.0]})


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every row of every table (sorted text), so that any write shows up as a difference."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary").fetchall()]
    return {name: sorted(map(repr, con.table(name).fetchall())) for name in tables}


@pytest.fixture
def city(fixture_db):
    """The tiny city with one peer group and one account to act on (made by the local admin)."""
    peers.save_peer_group(fixture_db, "pair", ["S1", "S2"], user=LOCAL_USER)
    auth.add_user(fixture_db, "victim", "a long password", "leader", user=LOCAL_USER)
    return fixture_db


# (write path, user lacking the permission, call)
CASES: list[tuple[str, User, Callable[[duckdb.DuckDBPyConnection, User], object]]] = [
    ("ingest_file", LEADER,
     lambda con, u: ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=u)),
    ("ingest_file dry run", STATION,
     lambda con, u: ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", dry_run=True, user=u)),
    ("remove_batch", ANALYST, lambda con, u: remove_batch(con, 1, user=u)),
    ("save_mapping", LEADER, lambda con, u: save_mapping(con, "m", {"kind": "jurisdictions"}, user=u)),
    ("rake_weights", LEADER,
     lambda con, u: weighting.rake_weights(con, [MARGINS], dims=[["district"]], user=u)),
    ("reset_weights", STATION, lambda con, u: weighting.reset_weights(con, user=u)),
    ("rake_and_refresh", LEADER,
     lambda con, u: weights.rake_and_refresh(con, MARGINS, dims=[["district"]], batch_ids=[1], user=u)),
    ("reset_and_refresh", LEADER, lambda con, u: weights.reset_and_refresh(con, user=u)),
    ("save_peer_group", LEADER, lambda con, u: peers.save_peer_group(con, "new", ["S1", "S3"], user=u)),
    ("delete_peer_group", STATION, lambda con, u: peers.delete_peer_group(con, "pair", user=u)),
    ("save_item", LEADER,
     lambda con, u: definitions.save_item(con, definitions.get_item(con, "satisfaction"), user=u)),
    ("save_indicator", STATION,
     lambda con, u: definitions.save_indicator(con, definitions.get_indicator(con, "satisfaction"), user=u)),
    ("set_setting", ANALYST, lambda con, u: store.set_setting(con, "suppress_below_n_eff", 5, user=u)),
    ("save_actions outside the station's subtree", STATION,
     lambda con, u: forum.save_actions(con, "S3", "2025Q2", [{"concern": "c", "action": "a", "status": "planned"}],
                                       user=u)),
    ("save_actions without forum_edit", LEADER,
     lambda con, u: forum.save_actions(con, "S1", "2025Q1", [{"concern": "c", "action": "a", "status": "planned"}],
                                       user=u)),
    ("add_user", ANALYST, lambda con, u: auth.add_user(con, "mallory", "a long password", "admin", user=u)),
    ("remove_user", ANALYST, lambda con, u: auth.remove_user(con, "victim", user=u)),
    ("reset_password", ANALYST, lambda con, u: auth.reset_password(con, "victim", "another long one", user=u)),
    ("revoke_tokens of another account", ANALYST, lambda con, u: auth.revoke_tokens(con, "victim", user=u)),
    ("list_users", LEADER, lambda con, u: auth.list_users(con, u)),
]


@pytest.mark.parametrize(("path", "who", "call"), CASES, ids=[c[0] for c in CASES])
def test_write_path_refuses_a_user_without_the_permission_and_changes_nothing(city, path, who, call):
    before = snapshot(city)
    with pytest.raises(AccessDenied):
        call(city, who)
    assert snapshot(city) == before


def test_the_same_calls_go_through_for_an_allowed_user(city):
    """The refusals above are about the role, not a broken call: an admin's save and removal change the store."""
    before = snapshot(city)
    peers.save_peer_group(city, "new", ["S1", "S3"], user=LOCAL_USER)
    store.set_setting(city, "suppress_below_n_eff", 5, user=LOCAL_USER)
    auth.remove_user(city, "victim", user=User("chief", "admin"))
    after = snapshot(city)
    assert after != before
    actors = city.execute("SELECT actor, action FROM audit_log ORDER BY audit_id DESC LIMIT 3").fetchall()
    assert actors == [("chief", "user.remove"), ("local", "setting.change"), ("local", "peers.save")]


def test_a_station_edits_its_own_forum_and_anyone_revokes_their_own_tokens(city):
    assert forum.save_actions(city, "S1", "2025Q1", [{"concern": "c", "action": "a", "status": "planned"}],
                              user=STATION).inserted == 1
    assert auth.revoke_tokens(city, "victim", user=User("victim", "leader")) == 0
