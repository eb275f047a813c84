"""Accounts, lockout and jurisdiction scope (engine level, CLI level)."""

from analytics.selection import Selection
import datetime as dt
import json
import subprocess
import sys

import pytest

from analytics import auth, engine
from analytics.errors import AccessDenied, UnknownNameError
from tests.conftest import REPO, build_synthetic_city
from analytics.roles import LOCAL_USER


@pytest.fixture
def city(tmp_path):
    from analytics import store

    con = store.connect(tmp_path / "auth.duckdb")
    build_synthetic_city(con)
    yield con
    con.close()


def test_passwords_are_hashed_with_argon2(city):
    auth.add_user(city, "chief", "correct horse battery", "admin", user=LOCAL_USER)
    stored = city.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert auth.authenticate(city, "chief", "correct horse battery") == auth.User("chief", "admin", None)


def test_lockout_after_repeated_failures_and_reset(city):
    auth.add_user(city, "ana", "a long password", "analyst", user=LOCAL_USER)
    now = dt.datetime(2026, 1, 1, 9, 0)
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AccessDenied, match="Wrong user name or password"):
            auth.authenticate(city, "ana", "wrong", now=now)
    with pytest.raises(AccessDenied, match="locked until 09:15"):
        auth.authenticate(city, "ana", "wrong", now=now)
    with pytest.raises(AccessDenied, match="locked"):  # even the right password, while locked
        auth.authenticate(city, "ana", "a long password", now=now + dt.timedelta(minutes=5))
    assert auth.authenticate(city, "ana", "a long password", now=now + dt.timedelta(minutes=16)).role == "analyst"
    actions = [r[0] for r in city.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]
    assert actions.count("login.failed") == auth.MAX_FAILED_ATTEMPTS and actions[-1] == "login.ok"


def test_unknown_user_gets_the_same_message(city):
    with pytest.raises(AccessDenied, match="Wrong user name or password"):
        auth.authenticate(city, "nobody", "whatever password")


@pytest.mark.parametrize(("args", "error"), [
    (("xy", "short", "admin"), "at least 10"),
    (("xy", "long enough pw", "station"), "needs --jurisdiction"),
    (("xy", "long enough pw", "boss"), "Unknown role"),
    (("x'); DROP TABLE batches; --", "long enough pw", "admin"), "User names"),
])
def test_bad_accounts_are_refused(city, args, error):
    with pytest.raises((AccessDenied, UnknownNameError), match=error):
        auth.add_user(city, *args, user=LOCAL_USER)
    assert city.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 1


def test_station_user_sees_own_station_and_the_averages_above_only(city):
    station = auth.add_user(city, "s1chief", "a long password", "station", jurisdiction_code="S1", user=LOCAL_USER)
    assert auth.visible_codes(city, station) == {"S1", "D1", "C"}
    for level, expected in (("station", {"S1"}), ("district", {"D1"}), ("city", {"C"})):
        table = engine.indicator_table(city, Selection(period_kind='all', level=level, user=station))
        assert set(table["jurisdiction"]) == expected
    # asking for a sibling's figures explicitly returns nothing
    sibling = engine.indicator_table(city, Selection(period_kind='all', level='station', jurisdiction_codes=('S2',), user=station))
    assert sibling.empty
    assert set(engine.coverage(city, station)["code"]) == {"S1"}
    leader = auth.add_user(city, "boss", "a long password", "leader", user=LOCAL_USER)
    assert set(engine.indicator_table(city, Selection(period_kind='all', level='station', user=leader))["jurisdiction"]) == {
        "S1", "S2", "S3", "S4", "S5"}


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=REPO, capture_output=True, text=True,
                          input=stdin, check=False)


def test_cli_users_and_scoped_indicators(synthetic_db_path):
    db = str(synthetic_db_path)
    first = run_cli("users", "add", "chief", "--role", "admin", "--password-stdin", "--db", db,
                    stdin="the admin password\n")
    assert first.returncode == 0, first.stderr
    # once an account exists, adding another needs an admin's password (first line), then the new one
    added = run_cli("users", "add", "s2chief", "--role", "station", "--jurisdiction", "S2", "--password-stdin",
                    "--user", "chief", "--db", db, stdin="the admin password\na long password\n")
    assert added.returncode == 0, added.stderr
    listed = run_cli("users", "list", "--db", db, "--user", "chief", "--password-stdin", stdin="the admin password\n")
    assert "s2chief\tstation\tS2" in listed.stdout and "argon2" not in listed.stdout
    # once accounts exist, the CLI must be told which account it answers for, and shown its password
    refused = run_cli("indicators", "--db", db)
    assert refused.returncode == 2 and "--user" in refused.stderr
    unproved = run_cli("indicators", "--db", db, "--user", "s2chief")  # stdin is no terminal: no prompt
    assert unproved.returncode == 2 and "--password-stdin" in unproved.stderr and unproved.stdout == ""
    scoped = run_cli("indicators", "--db", db, "--user", "s2chief", "--password-stdin", "--format", "json",
                     stdin="a long password\n")
    assert {row["jurisdiction"] for row in json.loads(scoped.stdout)} == {"S2"}
    other = run_cli("indicators", "--db", db, "--user", "s2chief", "--password-stdin", "--jurisdiction", "S3",
                    "--format", "json", stdin="a long password\n")
    assert json.loads(other.stdout) == []
