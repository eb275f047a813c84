"""The DuckDB store: open or create the database file and keep its schema current.

The default file is ``data/jingmin.duckdb`` beside the package; ``JINGMIN_DB`` or an explicit
path overrides it. Migrations in ``analytics/migrations/NNNN_name.sql`` are applied in order,
once each, and recorded in ``schema_version``; applying them again is a no-op.

The store opens and migrates; it builds no data. The entry points (the dashboard's ``app_pages/common.py``, the
CLI's ``open_store``) fill a missing default database from the shipped demo inputs in ``data/demo/`` through
:func:`analytics.demo.ensure_default_database`, so that a fresh clone shows a populated dashboard without setup.

DuckDB's ``memory_limit`` is 2.4GB on every connection (``JINGMIN_MEMORY_LIMIT`` sets another size,
e.g. ``8GB``, or ``none`` for DuckDB's own default of 80% of RAM); work beyond it spills to
``<database>.tmp``. The limit bounds DuckDB's buffers, not the process: Python, pandas and DuckDB's allocations
outside its buffer pool added about 0.5 GB to a 10-million-row load, whose buffers fill whatever limit is set (3GB
gave 3.36-3.45 GB of process memory). 2.4GB keeps that load within 3 GB (2.85 GB) at the same CPU time
(benchmarks/README.md, issue 20 target 4); uploads up to the upload limit and every query stay well below it.

The database holds password hashes and survey answers, so it is its owner's only: opening it sets the
process umask to 077 (every file Jingmin creates afterwards, the database, its ``.wal`` and ``.tmp``
spill folder, exports and the hashing secret, is mode 600, folders 700), and an existing database file
readable by group or others is narrowed to 600 with a warning on the ``jingmin`` logger.

Several processes share one file (docs/store.md): DuckDB lets one process open it read-write, and
then no other process can open it at all, or any number of processes open it read-only. So readers
open read-only, writers open read-write only for the write, and a process that meets another's
lock retries for up to ``JINGMIN_LOCK_TIMEOUT`` seconds (30 by default) before raising
:class:`~analytics.errors.StoreBusyError`. A file that is not a DuckDB database, or that cannot be
written, raises :class:`~analytics.errors.StoreError` naming the file, with DuckDB's error as cause.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from analytics import db, tempfiles
from analytics.db import Connection
from analytics.errors import ConfigError, QueryError, StoreBusyError, StoreError
from analytics.roles import User

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "jingmin.duckdb"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
MEMORY_LIMIT_ENV = "JINGMIN_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2.4GB"  # see the module docstring: DuckDB + the process <= 3 GB
PRIVATE_UMASK = 0o077  # new files 600, new folders 700
log = logging.getLogger("jingmin")
LOCK_TIMEOUT_ENV = "JINGMIN_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 30.0
# DuckDB's words when another process holds the file (its "IO Error: Could not set lock on file ...:
# Conflicting lock is held in <program> (PID n)"); any other IOException on open is a broken file.
_LOCK_CONFLICT = re.compile(r"Could not set lock on file|Conflicting lock is held")
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")
# Retries start quick (a dashboard page run holds a read lock for well under a second) and back off.
_FIRST_RETRY_S = 0.05
_MAX_RETRY_S = 0.5

WaitReporter = Callable[[float, float, "int | None"], None]
"""Called while waiting for another process's lock: (seconds waited, seconds allowed, holder's PID)."""

# Settings every install has; editable through set_setting. Documented here, where declared.
DEFAULT_SETTINGS: dict[str, tuple[Any, str]] = {
    "suppress_below_n_eff": (30, "Estimates whose effective base is below this are suppressed."),
    "caution_below_n_eff": (50, "Estimates whose effective base is below this are marked 'use with caution'."),
    "basic_satisfied_weight": (1.0, "Score of 基本满意 (basically satisfied) in satisfaction_3, in [0, 1]."),
    "confidence_level": (0.95, "Confidence level of every interval."),
    "petition_deadline_days": (30, "Petitions answered within this many days count as on time."),
    "upload_max_mb": (200, "Largest upload accepted, in MB."),
    # Bounds on the work one .xlsx upload may cause (analytics/ingest/workbook.py), checked while the
    # workbook streams so that a small file that expands enormously is refused within seconds and a
    # bounded amount of memory. Text files are bounded by upload_max_mb and DuckDB's memory limit.
    "workbook_max_mb": (500, "Most decompressed XML read from one .xlsx workbook (all its parts), in MB; "
                             "the zip's declared sizes are checked first, the bytes actually read always."),
    "workbook_max_cells": (5_000_000, "Most cell elements in the sheet of one .xlsx upload, empty ones included "
                                      "(about 20 s of parsing on the reference machine; larger data: use CSV)."),
    "workbook_max_columns": (2_000, "Highest column number that may hold a value in an .xlsx sheet."),
    "workbook_max_cell_chars": (32_767, "Longest text of one .xlsx cell, in characters (Excel's own limit); "
                                        "a longer cell is reported as a problem of its row and column."),
    "workbook_max_rows": (1_048_576, "Most data rows (rows holding a value) in one .xlsx sheet."),
    # The two limits below bound the work of reading a file whatever its shape: the column count is checked on the
    # header before the file is read; cell length in the one pass that reads the rows (ignored columns count too).
    "upload_max_columns": (1000, "Most columns a file may have (its header's width); wider files are refused."),
    "upload_max_cell_chars": (32_767, "Longest cell accepted, in characters (Excel's own limit, so a CSV and a "
                                      "workbook of the same content are treated alike); a longer cell is a row "
                                      "problem."),
    "escalation_window_days": (180, "A dispute escalates (民转刑) when a criminal or public-order case involving one "
                                    "of its parties, or naming the dispute, is reported within this many days."),
    "unsolved_callback_days": (30, "Unsolved cases whose reporter was called back within this many days of the "
                                   "report count as called back on time."),
    "demand_answer_days": (15, "Demands answered within this many days of receipt count as answered on time."),
    "weight_max_ratio": (10_000, "Largest weight / smallest weight allowed within one survey file (weights "
                                 "must also be positive and finite); beyond it the outlying weights are errors."),
}


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the database path: the argument, else ``$JINGMIN_DB``, else the default file."""
    chosen = path or os.environ.get("JINGMIN_DB") or DEFAULT_DB_PATH
    resolved = Path(chosen).expanduser()
    if resolved.exists() and resolved.is_dir():
        raise ConfigError(
            f"The database path {resolved} is a folder; give a file path such as {resolved}/jingmin.duckdb")
    return resolved


def restrict_umask() -> None:
    """Make every file and folder this process creates from now on its owner's only (umask 077).

    Process-wide on purpose: DuckDB creates the ``.wal`` file and the ``.tmp`` spill folder later, on
    its own, and exports are written by other modules; a umask covers them all. Bits already masked
    by the caller's umask stay masked."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def make_private(path: Path) -> bool:
    """Narrow an existing file (to 600) or folder (to 700) that group or others may access.

    Returns True when the mode was changed, after logging a warning that names the file and its old
    mode (the user should know their data was exposed). A file that is not ours to change is left,
    with a warning, rather than failing the command that opened it.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    old = stat.S_IMODE(info.st_mode)
    if not old & 0o077:
        return False
    new = old & 0o700
    try:
        path.chmod(new)
    except OSError as exc:
        log.warning("%s can be read by other users (mode %03o) and Jingmin could not narrow it: %s",
                    path, old, exc)
        return False
    log.warning("%s could be read by other users (mode %03o); Jingmin set it to %03o.", path, old, new)
    return True


def _make_store_private(db_path: Path) -> None:
    """The database file, its write-ahead log and its spill folder: owner-only."""
    for path in (db_path, db_path.with_name(db_path.name + ".wal"), db_path.with_name(db_path.name + ".tmp")):
        make_private(path)


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("analytics.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@cache
def _latest_migration() -> int:
    """The highest shipped migration number: only the file names are read, once per process (the files do
    not change under a running process; every read-only open compares with it, once per dashboard run)."""
    return max(int(match.group(1)) for entry in resources.files("analytics.migrations").iterdir()
               if (match := _MIGRATION_NAME.match(entry.name)))


def migration_texts() -> list[tuple[str, str]]:
    """Every shipped migration as (file name, SQL text), in order (the demo export's digest covers them)."""
    return [(name, text) for _version, name, text in _migrations()]


def migrate(con: Connection) -> list[int]:
    """Apply pending migrations in order, each in its own transaction. Returns the versions applied."""
    db.execute(con, "store/schema_version_create")
    done = {row[0] for row in db.fetch_all(con, "store/schema_versions")}
    applied = []
    for version, name, text in _migrations():
        if version in done:
            continue
        with transaction(con):
            # A migration is a file of its own (analytics/migrations), run whole: no values to bind.
            db.run(con, text, what=f"migration {name}")
            db.execute(con, "store/schema_version_record", {"version": version, "name": name})
        applied.append(version)
    _seed_defaults(con)
    return applied


def _seed_defaults(con: Connection) -> None:
    """Insert default settings, items and indicators that are missing (never overwrite edits).

    The default definitions are written in :mod:`analytics.definitions`; ``tools/seed_sql.py`` turns them into
    the named file ``store/seed_definitions`` run here, so this lowest layer imports nothing above it."""
    for name, (value, _help) in DEFAULT_SETTINGS.items():
        db.execute(con, "store/seed_setting", {"name": name, "value": json.dumps(value)})
    db.execute(con, "store/seed_definitions")


def lock_timeout() -> float:
    """Seconds to wait for another process's lock: ``$JINGMIN_LOCK_TIMEOUT``, else 30; 0 fails at once."""
    text = os.environ.get(LOCK_TIMEOUT_ENV)
    if not text:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        value = float(text)
    except ValueError as exc:
        raise ConfigError(f"${LOCK_TIMEOUT_ENV} must be a number of seconds such as 30, not {text!r}") from exc
    if value < 0 or value != value:  # NaN compares unequal to itself
        raise ConfigError(f"${LOCK_TIMEOUT_ENV} must be 0 or more seconds, not {text!r}")
    return value


_ADVICE_DAMAGED = ("If the file is damaged or is not a Jingmin database, move it aside and restore a backup, or "
                   "build a new one with `python -m analytics demo --db PATH`.")
_ADVICE_OPEN = _ADVICE_DAMAGED + " If the disk is full or the file is not readable and writable, fix that first."
_ADVICE_WRITE = ("Free disk space, or make the file, its .wal and its folder writable, then try again; "
                 "nothing of this change was saved.")


# What analytics.db turns a duckdb.Error into (QueryError covers InputDataError and OutOfMemoryError).
_WRAPPED = (QueryError, StoreError)


def _duckdb_error(exc: Exception) -> BaseException:
    """DuckDB's own error behind one that analytics.db wrapped (its cause), for messages that quote DuckDB."""
    return exc.__cause__ if isinstance(exc, _WRAPPED) and exc.__cause__ is not None else exc


def _store_error(db_path: Path, exc: BaseException, doing: str, advice: str) -> StoreError:
    """The error for a file DuckDB cannot use, naming the file and what a person can do about it."""
    return StoreError(f"{doing} {db_path} failed: {exc}. {advice}", path=str(db_path))


def _open(db_path: Path, *, read_only: bool, on_wait: WaitReporter | None) -> Connection:
    """``db.connect`` that waits (bounded) while another process holds the file's lock."""
    allowed = lock_timeout()
    started = time.monotonic()
    delay = _FIRST_RETRY_S
    while True:
        try:
            return db.connect(str(db_path), read_only=read_only)
        except db.IOException as exc:
            if not _LOCK_CONFLICT.search(str(exc)):
                raise _store_error(db_path, exc, "Opening", _ADVICE_OPEN) from exc
            waited = time.monotonic() - started
            holder = _LOCK_HOLDER.search(str(exc))
            if waited >= allowed:
                raise StoreBusyError(
                    f"The database {db_path} is in use by another process"
                    f"{f' (PID {holder.group(1)})' if holder else ''} — probably a data load — and stayed locked "
                    f"for {allowed:g} s. Try again when it has finished, or wait longer with "
                    f"{LOCK_TIMEOUT_ENV}=SECONDS.", path=str(db_path), seconds=allowed) from exc
            if on_wait is not None:
                on_wait(waited, allowed, int(holder.group(1)) if holder else None)
            time.sleep(min(delay, max(allowed - waited, 0.0)))
            delay = min(delay * 2, _MAX_RETRY_S)
        except db.Error as exc:
            # SerializationException and the like: the file exists but its contents are not a database
            # this DuckDB can read. A ConnectionException (mixed configs in one process) is a bug: not caught.
            if isinstance(exc, db.ConnectionException):
                raise
            raise _store_error(db_path, exc, "Opening", _ADVICE_OPEN) from exc


def _schema_is_current(con: Connection) -> bool:
    """Whether every shipped migration is recorded in ``schema_version`` (read-only check)."""
    latest = _latest_migration()
    try:
        row = db.fetch_one(con, "store/schema_latest")
    except QueryError as exc:
        if isinstance(exc.__cause__, db.CatalogException):  # an empty file that nothing has migrated yet
            return False
        raise
    return bool(row) and row["latest"] is not None and row["latest"] >= latest


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            on_wait: WaitReporter | None = None, migrate_schema: bool = True) -> Connection:
    """Open (creating if needed) the database and bring its schema up to date.

    ``read_only`` connections are what readers should use: any number of processes may hold one at
    once. A read-write connection locks the file against every other process until it is closed, so
    writers close it as soon as the write is done. Either kind waits up to :func:`lock_timeout`
    seconds for another process's lock (``on_wait`` is told how long it has waited) and then raises
    :class:`StoreBusyError`.

    A read-write open creates a missing file (migrated, with default settings and definitions, no data); a
    read-only open of a missing file raises :class:`ConfigError`, and of an out-of-date one first migrates it in
    a short read-write open of its own. ``migrate_schema=False`` (read-write only) leaves a new file empty, for
    ``IMPORT DATABASE`` of a whole export (:func:`analytics.demo.import_prebuilt`), which creates the tables.
    """
    db_path = resolve_db_path(path)
    restrict_umask()
    _make_store_private(db_path)
    if read_only:
        if db_path.exists():
            con = _open(db_path, read_only=True, on_wait=on_wait)
            if _schema_is_current(con):
                _limit_memory(con)
                return con
            con.close()
        else:
            raise ConfigError(f"No database at {db_path}. Run `python -m analytics demo --db {db_path}` first.")
        connect(db_path, on_wait=on_wait).close()
        con = _open(db_path, read_only=True, on_wait=on_wait)
        _limit_memory(con)
        return con
    try:
        db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the folder {db_path.parent} for the database: {exc}. "
                         "Choose a writable place with --db PATH or $JINGMIN_DB.", path=str(db_path)) from exc
    # Temporary upload files left by a process that died without cleaning up (SIGKILL, power loss).
    tempfiles.sweep_stale(tempfiles.temp_root(db_path.parent))
    con = _open(db_path, read_only=False, on_wait=on_wait)
    _limit_memory(con)
    try:
        if migrate_schema:
            migrate(con)
    except StoreError as exc:
        con.close()
        cause = exc.__cause__
        # A file DuckDB could not write while migrating (wrapped by analytics.db without the file's name); a
        # failed COMMIT already names the file ("Saving the changes to ...") and passes as it is.
        if isinstance(cause, db.IOException) and "path" not in exc.params:
            raise _store_error(db_path, cause, "Preparing", _ADVICE_WRITE) from cause
        raise
    return con


def _limit_memory(con: Connection) -> None:
    """Apply the memory limit: ``$JINGMIN_MEMORY_LIMIT``, else ``DEFAULT_MEMORY_LIMIT``; ``none`` keeps DuckDB's
    default. Bulk inserts write one row group at a time (``store/write_buffer``).

    A SET, not a connect config, so that other connections to the same file without that config stay
    possible."""
    db.execute(con, "store/write_buffer")
    limit = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    if limit.strip().lower() == "none":
        return
    try:
        db.execute(con, "store/memory_limit", {"limit": limit})
    except (*_WRAPPED, db.InterruptException) as exc:
        con.close()
        cause = _duckdb_error(exc)
        raise ConfigError(f"${MEMORY_LIMIT_ENV} must be a size such as 3GB or 800MB: {cause}") from cause


def get_setting(con: Connection, name: str) -> Any:
    """Return a setting's value (JSON-decoded); unknown names fall back to the declared default."""
    row = db.fetch_one(con, "store/setting_get", {"name": name})
    if not row:
        if name not in DEFAULT_SETTINGS:
            raise ConfigError(f"Unknown setting {name!r}; known: {', '.join(sorted(DEFAULT_SETTINGS))}")
        return DEFAULT_SETTINGS[name][0]
    return json.loads(row["value"])


def set_setting(con: Connection, name: str, value: Any, *, user: User) -> None:
    """Change a setting (``user`` needs the ``settings`` permission: admins), record it in the audit log and
    bump the data version."""
    user.require("settings")
    if name not in DEFAULT_SETTINGS:
        raise ConfigError(f"Unknown setting {name!r}; known: {', '.join(sorted(DEFAULT_SETTINGS))}")
    db.execute(con, "store/setting_set", {"name": name, "value": json.dumps(value)})
    audit(con, user.username, "setting.change", {"name": name, "value": value})
    bump_data_version(con)


def data_version(con: Connection) -> int:
    """A counter that changes whenever data or definitions change: the page-layer cache key."""
    row = db.fetch_one(con, "store/data_version")
    return int(row["value"]) if row else 0


def bump_data_version(con: Connection) -> int:
    """Increment the data version (call inside the transaction that changed the data)."""
    db.execute(con, "store/data_version_bump")
    return data_version(con)


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """One all-or-nothing transaction: committed when the block ends normally, rolled back when anything
    (an error, an interrupt, a failed COMMIT) stops it, so no change is ever half-written.

    The error that stopped the block is the one raised: a ROLLBACK that fails as well (DuckDB has
    already ended a transaction whose COMMIT failed) is added to it as a note, never raised in its
    place. A failed COMMIT (disk full, the file or its .wal not writable) raises :class:`StoreError`
    naming the file, with DuckDB's error as its cause.
    """
    db_file = _database_file(con)
    db.execute(con, "store/begin")
    committed = False
    try:
        yield con
        try:
            db.execute(con, "store/commit")
        except (*_WRAPPED, db.InterruptException) as exc:
            cause = _duckdb_error(exc)
            raise _store_error(db_file, cause, "Saving the changes to", _ADVICE_WRITE) from cause
        committed = True
    finally:
        if not committed:
            _rollback_keeping_cause(con)


def _database_file(con: Connection) -> Path:
    """The file behind ``con`` (read before a transaction: after a fatal write error it cannot be asked)."""
    row = db.fetch_one(con, "store/database_file")
    return Path(row["path"]) if row and row["path"] else Path(":memory:")


def _rollback_keeping_cause(con: Connection) -> None:
    """ROLLBACK while an error propagates; if the ROLLBACK fails too, note it on that error instead."""
    # Read before the ROLLBACK: inside its except clause sys.exc_info() is the rollback's own error.
    propagating = sys.exc_info()[1]
    try:
        db.execute(con, "store/rollback")
    except (*_WRAPPED, db.InterruptException) as rollback_error:
        if propagating is None:
            raise
        propagating.add_note(f"(the rollback after it also failed: {_duckdb_error(rollback_error)})")


def audit(con: Connection, actor: str, action: str, detail: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit log."""
    db.execute(con, "store/audit_insert",
               {"actor": actor, "action": action, "detail": json.dumps(detail or {}, ensure_ascii=False, default=str)})


class ProcessGate:
    """Readers-writer lock between the threads of one process (the dashboard's sessions).

    DuckDB cannot hold one file read-only and read-write in the same process at once, so a write
    waits until every read connection of the process is closed, and reads wait while a write runs.
    A waiting writer goes first (new readers queue behind it) so that steady page traffic cannot
    starve an upload. Waits are bounded: past ``timeout`` seconds :class:`StoreBusyError` is raised.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def _wait(self, ready: Callable[[], bool], timeout: float, on_wait: WaitReporter | None) -> None:
        started = time.monotonic()
        while not ready():
            waited = time.monotonic() - started
            if waited >= timeout:
                raise StoreBusyError(
                    f"The database is busy with a write in this dashboard (a data load) for longer than {timeout:g} s.",
                    seconds=timeout)
            if on_wait is not None:
                on_wait(waited, timeout, os.getpid())
            self._cond.wait(min(_MAX_RETRY_S, timeout - waited))

    def acquire_read(self, timeout: float, on_wait: WaitReporter | None = None) -> None:
        """Hold a read (shared with other readers) until :meth:`release_read`."""
        with self._cond:
            self._wait(lambda: not self._writing and not self._writers_waiting, timeout, on_wait)
            self._readers += 1

    def release_read(self) -> None:
        """Give back a read hold taken by :meth:`acquire_read`."""
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    def acquire_write(self, timeout: float, on_wait: WaitReporter | None = None) -> None:
        """Hold the process's only write (no reads at the same time) until :meth:`release_write`."""
        with self._cond:
            self._writers_waiting += 1
            try:
                self._wait(lambda: not self._writing and not self._readers, timeout, on_wait)
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()
            self._writing = True

    def release_write(self) -> None:
        """Give back the write hold taken by :meth:`acquire_write`."""
        with self._cond:
            self._writing = False
            self._cond.notify_all()
