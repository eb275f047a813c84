"""The command line proves who acts once accounts exist (issue 21 items 5 and 8, issue 14).

Reproduces: ``--user admin1`` read and exported anything without a password, ``users add``/``remove``
needed no identity, ``--actor`` wrote any name into the audit log, the database and its secret were
created readable by everyone, and ``authenticate`` answered an unknown name 40x faster than a known one.
"""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import os
import stat
import statistics
import sys
import time
from pathlib import Path

import pytest

from analytics import auth, store
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied, ConfigError
from analytics.ingest import pii
from analytics.roles import LOCAL_USER

ADMIN, ADMIN_PW = "root", "admin password 1"
LEADER, LEADER_PW = "boss", "leader password 1"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def accounts_db(tmp_path) -> Path:
    path = tmp_path / "acc" / "accounts.duckdb"
    con = store.connect(path)
    auth.add_user(con, ADMIN, ADMIN_PW, "admin", user=LOCAL_USER)
    auth.add_user(con, LEADER, LEADER_PW, "leader", user=LOCAL_USER)
    con.close()
    return path


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """``python -m analytics ARGV`` in this process with ``stdin`` as standard input (not a terminal)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli_main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def audit_rows(db: Path, action: str) -> list[tuple[str, dict]]:
    con = store.connect(db)
    rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = $a ORDER BY audit_id",
                       {"a": action}).fetchall()
    con.close()
    return [(actor, json.loads(detail)) for actor, detail in rows]


def usernames(db: Path) -> set[str]:
    con = store.connect(db)
    names = {r[0] for r in con.execute("SELECT username FROM users").fetchall()}
    con.close()
    return names


def test_naming_an_account_without_its_password_is_refused(accounts_db, monkeypatch, capsys):
    db = str(accounts_db)
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", db, "--user", ADMIN])
    assert code == 2 and out == "" and "password" in err
    code, out, err = run(monkeypatch, capsys, ["users", "add", "mallory", "--role", "admin", "--password-stdin",
                                               "--db", db], stdin="mallory password 1\n")
    assert code == 2 and "mallory" not in usernames(accounts_db)
    code, out, err = run(monkeypatch, capsys, ["users", "remove", LEADER, "--db", db])
    assert code == 2 and LEADER in usernames(accounts_db)
    code, out, err = run(monkeypatch, capsys, ["users", "list", "--db", db])
    assert code == 2 and out == ""


def test_password_on_stdin_right_and_wrong(accounts_db, monkeypatch, capsys):
    db = str(accounts_db)
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", db, "--user", ADMIN, "--password-stdin"],
                         stdin="wrong password 1\n")
    assert code == 2 and out == "" and "Wrong user name or password" in err
    assert audit_rows(accounts_db, "login.failed")[-1] == (
        ADMIN, {"reason": "wrong password", "locked": False, "via": "cli-password"})
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", db, "--user", ADMIN, "--password-stdin"],
                         stdin=ADMIN_PW + "\n")
    assert code == 0, err
    assert out.startswith("batch_id")
    con = store.connect(accounts_db)
    assert con.execute("SELECT failed_attempts FROM users WHERE username = $u", {"u": ADMIN}).fetchall() == [(0,)]
    con.close()


def test_wrong_cli_passwords_lock_the_account(accounts_db, monkeypatch, capsys):
    db = str(accounts_db)
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        run(monkeypatch, capsys, ["indicators", "--db", db, "--user", LEADER, "--password-stdin"], stdin="nope\n")
    code, out, err = run(monkeypatch, capsys, ["indicators", "--db", db, "--user", LEADER, "--password-stdin"],
                         stdin=LEADER_PW + "\n")
    assert code == 2 and "locked" in err and out == ""


def test_terminal_prompt_is_used_when_stdin_is_a_tty(accounts_db, monkeypatch, capsys):
    asked = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or LEADER_PW)
    assert cli_main(["indicators", "--db", str(accounts_db), "--user", LEADER]) == 0
    assert asked == [f"Password for {LEADER}: "]


def test_user_changes_need_an_admin_and_are_logged_with_the_admin(accounts_db, monkeypatch, capsys):
    db = str(accounts_db)
    code, _out, err = run(monkeypatch, capsys, ["users", "add", "mallory", "--role", "admin", "--password-stdin",
                                                "--user", LEADER, "--db", db], stdin=f"{LEADER_PW}\nmallory pw 123\n")
    assert code == 2 and "may not" in err and "mallory" not in usernames(accounts_db)
    code, _out, err = run(monkeypatch, capsys, ["users", "add", "ana", "--role", "analyst", "--password-stdin",
                                                "--user", ADMIN, "--db", db], stdin=f"{ADMIN_PW}\nanalyst pw 123\n")
    assert code == 0, err
    run(monkeypatch, capsys, ["users", "reset-password", "ana", "--password-stdin", "--user", ADMIN, "--db", db],
        stdin=f"{ADMIN_PW}\nanalyst pw 456\n")
    run(monkeypatch, capsys, ["users", "remove", "ana", "--user", ADMIN, "--password-stdin", "--db", db],
        stdin=f"{ADMIN_PW}\n")
    assert "ana" not in usernames(accounts_db)
    for action in ("user.add", "user.reset_password", "user.remove"):
        assert [actor for actor, detail in audit_rows(accounts_db, action) if detail["username"] == "ana"] == [ADMIN]


def test_first_account_needs_no_credential_and_must_be_an_admin(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "fresh.duckdb")
    code, _out, err = run(monkeypatch, capsys, ["users", "add", "chief", "--role", "leader", "--password-stdin",
                                                "--db", db], stdin="a long password\n")
    assert code == 2 and "first account must be an admin" in err
    code, _out, err = run(monkeypatch, capsys, ["users", "add", "chief", "--role", "admin", "--password-stdin",
                                                "--db", db], stdin="a long password\n")
    assert code == 0, err
    assert audit_rows(Path(db), "user.add") == [("local", {"username": "chief", "role": "admin",
                                                           "jurisdiction": None})]


def test_actor_flag_is_gone(tmp_path, monkeypatch, capsys):
    """The audit actor is the authenticated account: no flag may name another (even without accounts)."""
    db = tmp_path / "local.duckdb"
    store.connect(db).close()
    for argv in (["batches", "list", "--actor", "somebody"],
                 ["ingest", "survey", "missing.csv", "--dry-run", "--actor", "somebody"]):
        with pytest.raises(SystemExit) as stop:
            run(monkeypatch, capsys, [*argv, "--db", str(db)])
        assert stop.value.code == 2 and "--actor" in capsys.readouterr().err


def make_token(monkeypatch, capsys, db: Path, out: Path, user: str = ADMIN, password: str = ADMIN_PW,
               days: str = "30") -> Path:
    code, _out, err = run(monkeypatch, capsys, ["users", "token", "create", "--out", str(out), "--days", days,
                                                "--user", user, "--password-stdin", "--db", str(db)],
                          stdin=password + "\n")
    assert code == 0, err
    return out


def test_token_file_created_owner_only_and_accepted(accounts_db, tmp_path, monkeypatch, capsys):
    token = make_token(monkeypatch, capsys, accounts_db, tmp_path / "admin.token")
    assert mode(token) == 0o600
    name, _sep, secret = token.read_text(encoding="utf-8").strip().partition(":")
    assert name == ADMIN and len(secret) >= 40
    con = store.connect(accounts_db)
    stored = con.execute("SELECT token_hash FROM cli_tokens").fetchall()
    con.close()
    assert len(stored) == 1 and secret not in stored[0][0]  # only the digest is kept
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", str(accounts_db), "--token-file",
                                               str(token)])
    assert code == 0, err
    monkeypatch.setenv("JINGMIN_TOKEN_FILE", str(token))
    code, out, err = run(monkeypatch, capsys, ["users", "add", "ana", "--role", "analyst", "--password-stdin",
                                               "--db", str(accounts_db)], stdin="analyst pw 123\n")
    assert code == 0, err
    assert [a for a, d in audit_rows(accounts_db, "user.add") if d["username"] == "ana"] == [ADMIN]
    assert audit_rows(accounts_db, "login.ok")[-1] == (ADMIN, {"via": "token"})


def test_token_file_readable_by_others_is_refused(accounts_db, tmp_path, monkeypatch, capsys):
    token = make_token(monkeypatch, capsys, accounts_db, tmp_path / "admin.token")
    token.chmod(0o640)
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", str(accounts_db), "--token-file",
                                               str(token)])
    assert code == 2 and out == "" and "can be read by other users" in err


def test_wrong_and_expired_tokens_are_refused_and_audited(accounts_db, tmp_path, monkeypatch, capsys):
    token = make_token(monkeypatch, capsys, accounts_db, tmp_path / "admin.token")
    forged = tmp_path / "forged.token"
    forged.write_text(f"{ADMIN}:{'x' * 43}\n", encoding="utf-8")
    forged.chmod(0o600)
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", str(accounts_db), "--token-file",
                                               str(forged)])
    assert code == 2 and out == ""
    assert audit_rows(accounts_db, "login.failed")[-1] == (ADMIN, {"reason": "wrong token", "locked": False,
                                                                    "via": "token"})
    con = store.connect(accounts_db)
    assert con.execute("SELECT failed_attempts FROM users WHERE username = $u", {"u": ADMIN}).fetchall() == [(1,)]
    con.execute("UPDATE cli_tokens SET expires_at = TIMESTAMP '2000-01-01'")
    con.close()
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", str(accounts_db), "--token-file",
                                               str(token)])
    assert code == 2 and "expired" in err
    # a token cannot make another token (it would never expire), and a password reset revokes tokens
    code, out, err = run(monkeypatch, capsys, ["users", "token", "create", "--out", str(tmp_path / "t2"),
                                               "--token-file", str(token), "--db", str(accounts_db)])
    assert code == 2 and not (tmp_path / "t2").exists()


def test_reset_password_revokes_tokens(accounts_db, tmp_path, monkeypatch, capsys):
    token = make_token(monkeypatch, capsys, accounts_db, tmp_path / "boss.token", user=LEADER, password=LEADER_PW)
    code, _out, err = run(monkeypatch, capsys, ["users", "reset-password", LEADER, "--password-stdin", "--user",
                                                ADMIN, "--db", str(accounts_db)], stdin=f"{ADMIN_PW}\nnew pw 12345\n")
    assert code == 0, err
    code, _out, err = run(monkeypatch, capsys, ["indicators", "--db", str(accounts_db), "--token-file", str(token)])
    assert code == 2


def test_local_install_without_accounts_needs_no_credential(tmp_path, monkeypatch, capsys):
    db = tmp_path / "local.duckdb"
    store.connect(db).close()
    code, out, err = run(monkeypatch, capsys, ["batches", "list", "--db", str(db)])
    assert code == 0, err


# ---------------------------------------------------------------------------------------------
# File modes


def test_new_database_and_folder_are_owner_only(tmp_path):
    old = os.umask(0o022)  # a usual login umask: files 644 unless Jingmin narrows them
    try:
        db = tmp_path / "new" / "jingmin.duckdb"
        con = store.connect(db)
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        con.close()
        assert mode(db) == 0o600 and mode(db.parent) == 0o700
        export = tmp_path / "export.csv"
        export.write_text("x\n", encoding="utf-8")  # any file this process creates afterwards
        assert mode(export) == 0o600
    finally:
        os.umask(old)


def test_existing_readable_database_is_narrowed_with_a_warning(accounts_db, caplog):
    accounts_db.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="jingmin"):
        store.connect(accounts_db, read_only=True).close()
    assert mode(accounts_db) == 0o600
    assert any(str(accounts_db) in r.getMessage() and "644" in r.getMessage() for r in caplog.records)


def test_secret_file_is_created_and_kept_owner_only(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(pii.SECRET_ENV, raising=False)
    old = os.umask(0o022)
    try:
        secret = tmp_path / "d" / ".jingmin_secret"
        pii.secret_key(secret)
        assert mode(secret) == 0o600 and mode(secret.parent) == 0o700
        secret.chmod(0o644)
        with caplog.at_level(logging.WARNING, logger="jingmin"):
            pii.secret_key(secret)
        assert mode(secret) == 0o600 and caplog.records
    finally:
        os.umask(old)


def _read_secret(path: str, barrier, results) -> None:
    barrier.wait()  # every process looks for the missing file at the same moment
    try:
        results.put(pii.secret_key(Path(path)).decode("ascii"))
    except ConfigError as exc:
        results.put(f"error: {exc}")


def test_processes_starting_together_share_one_whole_secret(tmp_path, monkeypatch):
    """A fresh checkout: six processes (test workers, the dashboard and the CLI) ask for the secret at once.
    Before the secret was written to a temporary file and linked into place, about one such start in three
    ended with a process reading the file half-written ("too short") or losing the O_EXCL race ("File
    exists"); ten starts all had to agree on one 64-character secret and leave no temporary file behind."""
    monkeypatch.delenv(pii.SECRET_ENV, raising=False)
    context = multiprocessing.get_context("fork")
    for start in range(10):
        secret = tmp_path / str(start) / ".jingmin_secret"
        barrier, results = context.Barrier(6), context.Queue()
        processes = [context.Process(target=_read_secret, args=(str(secret), barrier, results)) for _ in range(6)]
        for process in processes:
            process.start()
        seen = {results.get(timeout=60) for _ in processes}
        for process in processes:
            process.join(timeout=60)
        assert seen == {secret.read_text(encoding="ascii")} and len(seen.pop()) == 64, seen
        assert [p.name for p in secret.parent.iterdir()] == [".jingmin_secret"]


# ---------------------------------------------------------------------------------------------
# Timing


def _median_seconds(call, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with pytest.raises(AccessDenied):
            call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_unknown_and_known_names_take_about_the_same_time(accounts_db):
    con = store.connect(accounts_db)
    with pytest.raises(AccessDenied):  # warm-up: the dummy hash is made on first use
        auth.authenticate(con, "nobody-here", "a guess 12345")
    known = _median_seconds(lambda: auth.authenticate(con, LEADER, "a guess 12345"))
    con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL")
    unknown = _median_seconds(lambda: auth.authenticate(con, "nobody-here", "a guess 12345"))
    con.close()
    assert 0.5 <= unknown / known <= 2.0, (unknown, known)
