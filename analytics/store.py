"""The DuckDB store: open or create the database file and keep its schema current.

The default file is ``data/jingmin.duckdb`` beside the package; ``JINGMIN_DB`` or an explicit
path overrides it. Migrations in ``analytics/migrations/NNNN_name.sql`` are applied in order,
once each, and recorded in ``schema_version``; applying them again is a no-op.

A freshly created default database is filled from the shipped demo inputs in ``data/demo/``
(see :func:`analytics.demo.build_demo_database`) so that a fresh clone shows a populated
dashboard without any setup.

DuckDB's ``memory_limit`` is 3GB on every connection (``JINGMIN_MEMORY_LIMIT`` sets another size,
e.g. ``8GB``, or ``none`` for DuckDB's own default of 80% of RAM); work beyond it spills to
``<database>.tmp``. With 3GB a 10-million-row survey loads within 4 GB of process memory on the
24 GB reference machine while the dashboard stays responsive beside it (benchmarks/README.md).

The database holds password hashes and survey answers, so it is its owner's only: opening it sets the
process umask to 077 (every file Jingmin creates afterwards, the database, its ``.wal`` and ``.tmp``
spill folder, exports and the hashing secret, is mode 600, folders 700), and an existing database file
readable by group or others is narrowed to 600 with a warning on the ``jingmin`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from analytics.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "jingmin.duckdb"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
MEMORY_LIMIT_ENV = "JINGMIN_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"
PRIVATE_UMASK = 0o077  # new files 600, new folders 700
log = logging.getLogger("jingmin")

# Settings every install has; editable through set_setting. Documented here, where declared.
DEFAULT_SETTINGS: dict[str, tuple[Any, str]] = {
    "suppress_below_n_eff": (30, "Estimates whose effective base is below this are suppressed."),
    "caution_below_n_eff": (50, "Estimates whose effective base is below this are marked 'use with caution'."),
    "basic_satisfied_weight": (1.0, "Score of 基本满意 (basically satisfied) in satisfaction_3, in [0, 1]."),
    "confidence_level": (0.95, "Confidence level of every interval."),
    "petition_deadline_days": (30, "Petitions answered within this many days count as on time."),
    "upload_max_mb": (200, "Largest upload accepted, in MB."),
    # The two limits below bound the work of reading a file whatever its shape: the column count is checked on the
    # header before the file is read; cell length in the one pass that reads the rows (ignored columns count too).
    "upload_max_columns": (1000, "Most columns a file may have (its header's width); wider files are refused."),
    "upload_max_cell_chars": (10_000, "Longest cell accepted, in characters; a longer cell is a row problem."),
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


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations in order, each in its own transaction. Returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for version, name, text in _migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(text)
            con.execute("INSERT INTO schema_version (version, name) VALUES ($v, $n)", {"v": version, "n": name})
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    _seed_defaults(con)
    return applied


def _seed_defaults(con: duckdb.DuckDBPyConnection) -> None:
    """Insert default settings, items and indicators that are missing (never overwrite edits)."""
    from analytics import definitions  # local import: definitions imports store helpers

    for name, (value, _help) in DEFAULT_SETTINGS.items():
        con.execute(
            "INSERT INTO settings (name, value) VALUES ($n, $v) ON CONFLICT (name) DO NOTHING",
            {"n": name, "v": json.dumps(value)},
        )
    con.execute("INSERT INTO meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
    definitions.seed_default_definitions(con)


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            build_demo_if_new: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date.

    When the resolved path is the default file and it did not exist, it is filled from the
    shipped demo inputs so a fresh clone shows a populated dashboard.
    """
    db_path = resolve_db_path(path)
    is_new = not db_path.exists()
    restrict_umask()
    _make_store_private(db_path)
    if read_only:
        if is_new:
            raise ConfigError(f"No database at {db_path}. Run `python -m analytics demo --db {db_path}` first.")
        con = duckdb.connect(str(db_path), read_only=True)
        _limit_memory(con)
        return con
    db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.IOException as exc:
        raise ConfigError(f"Cannot open the database {db_path}: {exc}") from exc
    _limit_memory(con)
    migrate(con)
    if is_new and build_demo_if_new and db_path == DEFAULT_DB_PATH:
        from analytics.demo import build_demo_database

        build_demo_database(con)
    return con


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the memory limit: ``$JINGMIN_MEMORY_LIMIT``, else 3GB; ``none`` keeps DuckDB's default.

    A SET, not a connect config, so that other connections to the same file without that config stay
    possible."""
    limit = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    if limit.strip().lower() == "none":
        return
    try:
        con.execute("SET memory_limit = $m", {"m": limit})
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(f"${MEMORY_LIMIT_ENV} must be a size such as 3GB or 800MB: {exc}") from exc


def get_setting(con: duckdb.DuckDBPyConnection, name: str) -> Any:
    """Return a setting's value (JSON-decoded); unknown names fall back to the declared default."""
    row = con.execute("SELECT value FROM settings WHERE name = $n", {"n": name}).fetchone()
    if row is None:
        if name not in DEFAULT_SETTINGS:
            raise ConfigError(f"Unknown setting {name!r}; known: {', '.join(sorted(DEFAULT_SETTINGS))}")
        return DEFAULT_SETTINGS[name][0]
    return json.loads(row[0])


def set_setting(con: duckdb.DuckDBPyConnection, name: str, value: Any, *, actor: str = "local") -> None:
    """Change a setting, record it in the audit log and bump the data version."""
    if name not in DEFAULT_SETTINGS:
        raise ConfigError(f"Unknown setting {name!r}; known: {', '.join(sorted(DEFAULT_SETTINGS))}")
    con.execute(
        "INSERT INTO settings (name, value) VALUES ($n, $v) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        {"n": name, "v": json.dumps(value)},
    )
    audit(con, actor, "setting.change", {"name": name, "value": value})
    bump_data_version(con)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter that changes whenever data or definitions change: the page-layer cache key."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Increment the data version (call inside the transaction that changed the data)."""
    con.execute(
        "INSERT INTO meta (key, value) VALUES ('data_version', '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
    )
    return data_version(con)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing transaction: committed when the block ends normally, rolled back when anything
    (an error, an interrupt, a failed COMMIT) stops it, so no change is ever half-written."""
    con.execute("BEGIN TRANSACTION")
    committed = False
    try:
        yield con
        con.execute("COMMIT")
        committed = True
    finally:
        if not committed:
            con.execute("ROLLBACK")


def audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, detail: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit log."""
    con.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ($a, $x, $d)",
        {"a": actor, "x": action, "d": json.dumps(detail or {}, ensure_ascii=False, default=str)},
    )
