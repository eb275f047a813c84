"""One database file, many processes (docs/store.md), and errors that keep their cause.

Real processes hold real DuckDB locks here: a helper script holds the file read-write (a write
transaction) or read-only for a few seconds while the CLI runs beside it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from analytics import store
from analytics.cli import main as cli_main
from analytics.errors import StoreBusyError, StoreError

REPO = Path(__file__).resolve().parents[2]
# Holds the database open (read-write inside an open write transaction, or read-only) until a line
# arrives on stdin or SECONDS have passed.
HOLDER = textwrap.dedent("""
    import select, sys, time, duckdb
    path, mode, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    con = duckdb.connect(path, read_only=mode == "read")
    if mode == "write":
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")
    print("holding", flush=True)
    select.select([sys.stdin], [], [], seconds)
    if mode == "write":
        con.execute("COMMIT")
    con.close()
""")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3_000_000_000, 3_000_000_000))


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [out.get("PYTHONPATH")])])
    out.pop("JINGMIN_DB", None)
    out.update(extra)
    return out


def hold(db: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
    """Start a process that holds ``db`` (mode 'write' or 'read'); returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), mode, str(seconds)], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE, text=True, env=env(), preexec_fn=_limit_memory)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def release(holder: subprocess.Popen[str]) -> None:
    """Let the holder commit (or just close) and end."""
    assert holder.stdin is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.wait(timeout=30) == 0


def cli_after_waiting(db: Path, holder: subprocess.Popen[str], *args: str) -> tuple[int, str, str]:
    """Run a CLI command that meets ``holder``'s lock; release the holder once the command says it waits."""
    proc = subprocess.Popen([sys.executable, "-m", "analytics", *args, "--db", str(db)], cwd=REPO, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_limit_memory)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    release(holder)
    out, rest = proc.communicate(timeout=120)
    return proc.returncode, out, first + rest


def cli(db: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args, "--db", str(db)], cwd=REPO, env=env(**extra_env),
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)


@pytest.fixture
def db(synthetic_db_path):
    return synthetic_db_path


def data_version(db: Path) -> int:
    con = store.connect(db, read_only=True)
    try:
        return store.data_version(con)
    finally:
        con.close()


def test_a_read_only_command_waits_for_a_write_in_another_process_and_succeeds(db):
    before = data_version(db)
    holder = hold(db, "write", 60)
    code, out, err = cli_after_waiting(db, holder, "indicators", "--level", "city")
    assert code == 0, err
    assert err.startswith("waiting for the database: process ") and "holds it" in err
    assert "\nC," in out  # the city's rows were printed
    assert data_version(db) == before + 1  # the holder's write was committed, not broken by the reader


def test_a_write_command_waits_for_readers_in_other_processes(db):
    reader = hold(db, "read", 60)
    code, out, err = cli_after_waiting(db, reader, "peers", "add", "north", "S1", "S2")
    assert code == 0, err
    assert err.startswith("waiting for the database")
    assert "Saved peer group 'north'" in out


def test_several_processes_read_at_once_without_waiting(db):
    """The command reads and prints its table while another process reads; only the audit entry of the export
    (issue 21 item 8: a short write after the read) waits for that reader, with the usual progress line."""
    reader = hold(db, "read", 60)
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "indicators", "--level", "city", "--db", str(db)],
                            cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limit_memory)
    assert proc.stdout is not None and proc.stderr is not None
    header = proc.stdout.readline()
    first_row = proc.stdout.readline()
    assert header.startswith("jurisdiction,") and first_row.startswith("C,")
    assert reader.poll() is None  # printed while the other process still reads
    assert proc.stderr.readline().startswith("waiting for the database")  # the audit write, not the read
    release(reader)
    _rest, _err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    con = store.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'export.cli'").fetchone()[0] == 1
    finally:
        con.close()


def test_a_lock_held_past_the_timeout_exits_4_with_one_clear_line(db):
    holder = hold(db, "write", 20)
    try:
        done = cli(db, "indicators", JINGMIN_LOCK_TIMEOUT="1")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert f"The database {db} is in use by another process (PID {holder.pid})" in done.stderr
    assert "JINGMIN_LOCK_TIMEOUT" in done.stderr


def test_ctrl_c_while_waiting_exits_130_without_traceback(db):
    holder = hold(db, "write", 30)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "indicators", "--db", str(db)], cwd=REPO,
                                env=env(), stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                preexec_fn=_limit_memory)
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "waiting for the database" in first  # the command is in its lock wait: now press Ctrl-C
        proc.send_signal(signal.SIGINT)
        _out, rest = proc.communicate(timeout=30)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 130
    assert rest.strip() == "interrupted"


def test_a_corrupt_database_exits_3_naming_the_file(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(os.urandom(300_000))
    for args in (("indicators",), ("peers", "add", "g", "S1")):
        done = cli(bad, *args)
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        assert str(bad) in done.stderr and "not a valid DuckDB database file" in done.stderr
        assert "restore a backup" in done.stderr


def test_the_lock_timeout_setting_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "soon")
    assert cli_main(["indicators", "--db", str(tmp_path / "x.duckdb")]) == 2


class FailingCommit:
    """A connection whose COMMIT fails the way DuckDB's does on a full disk; ROLLBACK then fails too."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self.con.execute("ROLLBACK")  # DuckDB ends a transaction whose commit failed
            raise duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "x": No space left on device')
        return self.con.execute(sql, *args)


def test_a_failed_commit_keeps_its_cause_not_the_rollbacks_error(tmp_path):
    con = store.connect(tmp_path / "t.duckdb")
    with pytest.raises(StoreError) as info, store.transaction(FailingCommit(con)):
        store.bump_data_version(con)
    assert "No space left on device" in info.value.message
    assert str(tmp_path / "t.duckdb") in info.value.message
    assert isinstance(info.value.__cause__, duckdb.TransactionException)
    assert any("cannot rollback" in note for note in info.value.__notes__)
    assert info.value.exit_code == 3
    con.close()


def test_an_error_in_the_block_is_raised_even_when_rollback_fails(tmp_path):
    con = store.connect(tmp_path / "t.duckdb")
    with pytest.raises(ZeroDivisionError) as info, store.transaction(con):
        con.execute("ROLLBACK")  # the transaction is gone, so the ROLLBACK after the error fails
        _ = 1 / 0
    assert any("cannot rollback" in note for note in info.value.__notes__)
    con.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (needs root's mount; skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


BIG_INSERT = "INSERT INTO big SELECT md5(i::VARCHAR) || md5((i + 1)::VARCHAR) FROM range(200000) t(i)"


def test_a_full_disk_at_commit_is_reported_with_its_cause(small_disk):
    path = small_disk / "full.duckdb"
    con = store.connect(path)
    con.execute("CREATE TABLE big (s VARCHAR)")
    # The store writes a bulk insert's row groups as they fill (store/write_buffer, issue 21's memory): with
    # DuckDB's default buffer of 5 row groups these 200,000 rows stay in memory until the COMMIT writes them.
    con.execute("SET write_buffer_row_group_count = 5")
    with pytest.raises(StoreError) as info, store.transaction(con):
        con.execute(BIG_INSERT)
    con.close()
    assert "No space left on device" in info.value.message
    assert f"Saving the changes to {path} failed" in info.value.message
    assert "cannot rollback" not in info.value.message


def test_a_full_disk_during_a_statement_is_reported_with_its_cause(small_disk):
    from analytics import db

    path = small_disk / "full.duckdb"
    con = store.connect(path)
    con.execute("CREATE TABLE big (s VARCHAR)")
    # The store's own setting (one row group buffered): the disk fills while the INSERT runs, not at COMMIT.
    with pytest.raises(StoreError) as info, store.transaction(con):
        db.run(con, BIG_INSERT, what="the test's insert")
    assert "No space left on device" in info.value.message
    assert "the test's insert" in info.value.message and "free space" in info.value.message
    assert "cannot rollback" not in info.value.message
    assert con.execute("SELECT count(*) FROM big").fetchall() == [(0,)]  # rolled back, the connection usable
    con.close()


def test_process_gate_writer_waits_for_readers_and_times_out():
    gate = store.ProcessGate()
    gate.acquire_read(1)
    waits = []
    with pytest.raises(StoreBusyError):
        gate.acquire_write(0.3, lambda waited, allowed, holder: waits.append(waited))
    assert waits  # it reported its wait before giving up
    gate.release_read()
    gate.acquire_write(0.3)
    with pytest.raises(StoreBusyError):
        gate.acquire_read(0.2)
    gate.release_write()
    gate.acquire_read(0.2)
    gate.release_read()
