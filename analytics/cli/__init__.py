"""The command-line interface: ``python -m analytics COMMAND ...``.

Each module in this package that defines ``register(subparsers)`` adds one command (or a
group); the module's ``register`` sets ``func`` on its parser, which receives the parsed
arguments and returns the exit code. Problems print one message on stderr, no traceback,
and end with the code README's "Exit codes" documents: 2 for the user's input or data, 3 for a
database file that cannot be opened, read or written, 4 when another process kept it locked past
``JINGMIN_LOCK_TIMEOUT``, 130 for Ctrl-C. Commands open the store with :func:`open_store`, which
prints on stderr while it waits for another process's lock.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from types import FrameType
from typing import TYPE_CHECKING

from analytics.auth import User
from analytics.db import Connection, FatalException, InterruptException, IOException
from analytics.db import Error as DuckDBError
from analytics.errors import JingminError

if TYPE_CHECKING:  # imported where used: the CLI's start-up stays light
    import pandas as pd

    from analytics.selection import Selection

_WAIT_REPORT_EVERY_S = 5.0


def build_parser() -> argparse.ArgumentParser:
    """Collect every command module's parser into one."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Jingmin: resident-survey and police case indicators per jurisdiction.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--db PATH`` option every data command takes."""
    parser.add_argument("--db", metavar="PATH", default=None,
                        help="DuckDB file (default: $JINGMIN_DB, else data/jingmin.duckdb)")


def add_user_argument(parser: argparse.ArgumentParser) -> None:
    """The credential options (``--user NAME``, ``--password-stdin``, ``--token-file PATH``); needed once
    accounts exist, see :mod:`analytics.cli._identity`."""
    from analytics.cli._identity import add_credential_arguments

    add_credential_arguments(parser)


def resolve_user(con: Connection, args: argparse.Namespace, *, allow_token: bool = True) -> User:
    """The authenticated user a command acts for, or the local admin while no account exists (checked once:
    :func:`open_store` may have done it already)."""
    from analytics.cli._identity import resolve_user as resolve

    known = getattr(args, "authenticated_user", None)
    if known is not None and allow_token:
        return known
    return resolve(con, args, allow_token=allow_token)


def build_selection(con: Connection, args: argparse.Namespace, *, period_kind: str,
                    period: str | None = None, jurisdiction_codes: Sequence[str] | None = None) -> Selection:
    """The one :class:`~analytics.selection.Selection` a command passes to the engine, from its options.

    ``period_kind`` is what ``--by`` (or the period label) asks for; ``period`` the one period chosen
    (``--period``; None: every period), which must be of that kind. ``--level``, ``--jurisdiction``
    (unless ``jurisdiction_codes`` is given: e.g. ``report --jurisdiction`` names the forum's place, not
    a filter), ``--weighted`` and ``--changes previous|year`` (the comparison rule; ``alerts`` calls it
    ``--comparison``) are read when the command has them; the user is the authenticated one (:func:`resolve_user`).
    """
    from analytics.errors import UnknownNameError
    from analytics.periods import WAVE_KIND
    from analytics.periods import period_kind as kind_of
    from analytics.selection import Selection

    # Wave labels are the data's own text (checked against the loaded waves by the command); others are calendar.
    if period is not None and period_kind != WAVE_KIND and kind_of(period) != period_kind:
        raise UnknownNameError(f"--period {period} is a {kind_of(period)}, but --by asks for {period_kind}.")
    codes = getattr(args, "jurisdiction", None) if jurisdiction_codes is None else jurisdiction_codes
    return Selection(
        period_kind=period_kind, periods=(period,) if period is not None else (),
        level=getattr(args, "level", None) or "station", jurisdiction_codes=tuple(codes or ()),
        weighted=bool(getattr(args, "weighted", False)),
        comparison=getattr(args, "changes", None) or getattr(args, "comparison", None) or "previous",
        user=resolve_user(con, args))


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: unwind (every ``finally`` runs: temp files removed, transactions rolled
    back) and exit with 128 + the signal number. A BaseException, so no ``except Exception`` stops it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stop_cleanly_on_signals() -> Iterator[list[int]]:
    """Turn SIGTERM and SIGINT into :class:`Stopped` while the block runs; yields the signals received.

    Without this, SIGTERM ends Python at once and no ``finally`` runs, leaving an upload's temporary
    copy (personal data) on disk. Further signals are ignored once one arrived, so that the cleanup
    itself is not cut short (SIGKILL still works; the next start sweeps what that leaves).
    """
    received: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if received:
            return
        received.append(signum)
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _WaitReporter:
    """Tells stderr that the command is waiting for another process's lock: at once, then every 5 s."""

    def __init__(self) -> None:
        self.last: float | None = None

    def __call__(self, waited: float, allowed: float, holder: int | None) -> None:
        now = time.monotonic()
        if self.last is not None and now - self.last < _WAIT_REPORT_EVERY_S:
            return
        self.last = now
        who = f"process {holder}" if holder else "another process"
        print(f"waiting for the database: {who} holds it (e.g. a data load); waited {waited:.0f} of "
              f"{allowed:g} s", file=sys.stderr, flush=True)


def open_store(args: argparse.Namespace, *, write: bool = False) -> Connection:
    """The store for a command: read-only unless it writes, so that the dashboard and other commands
    can read at the same time; waits for another process's lock with a progress line on stderr.

    Once accounts exist, a read-only command's credential is checked first on a short read-write connection,
    because every sign-in attempt is written to the audit log (and a failure counts toward the lockout); the
    account is remembered for :func:`resolve_user`. DuckDB cannot hold one file read-only and read-write in
    one process, hence close, check, reopen.
    """
    from analytics import store  # local import: the parser is built without opening anything
    from analytics.auth import any_users

    db = getattr(args, "db", None)
    if not store.resolve_db_path(db).exists():
        from analytics.demo import ensure_default_database  # local import: loads the ingest pipeline

        ensure_default_database(db, open_write=lambda: closing(store.connect(db, on_wait=_WaitReporter())))
    con = store.connect(db, read_only=not write, on_wait=_WaitReporter())
    if write or not hasattr(args, "password_stdin") or not any_users(con):
        return con
    con.close()
    checker = store.connect(db, on_wait=_WaitReporter())
    try:
        args.authenticated_user = resolve_user(checker, args)
    finally:
        checker.close()
    return store.connect(db, read_only=True, on_wait=_WaitReporter())


# Not options of the export: who and where (the actor and the file are recorded anyway), and credentials.
_NOT_OPTIONS = {"func", "db", "user", "password_stdin", "token_file", "authenticated_user", "command", "action",
                "token_action"}


def command_name(args: argparse.Namespace) -> str:
    """The command as typed, without options: ``indicators``, ``batches list``, ``weights show``..."""
    parts = [getattr(args, key, None) for key in ("command", "action", "token_action")]
    return " ".join(str(p) for p in parts if p)


def audit_export(args: argparse.Namespace, con: Connection, user: User, rows: int, *,
                 read_only: bool = True) -> None:
    """Record a table the command prints as an export (``export.cli``: command, options, rows).

    ``con`` is the command's connection. A read-only one is closed first and the entry written on a short
    read-write connection (DuckDB cannot hold one file both ways in one process), so the read itself never
    kept the dashboard or another command waiting: the same pattern as ``report``. Called after the output is
    written, so readers in other processes never delay it; that short write waits for them (bounded, with a
    progress line) and a failure to record it ends the command with the store's exit code (3 or 4).
    """
    from analytics import store

    options = {k: v for k, v in sorted(vars(args).items()) if k not in _NOT_OPTIONS}
    detail = {"command": command_name(args), "options": options, "rows": int(rows)}
    if not read_only:
        store.audit(con, user.username, "export.cli", detail)
        return
    con.close()
    writer = open_store(args, write=True)
    try:
        store.audit(writer, user.username, "export.cli", detail)
    finally:
        writer.close()


def print_table(args: argparse.Namespace, con: Connection, user: User, frame: pd.DataFrame,
                fmt: str, *, read_only: bool = True) -> None:
    """Print ``frame`` on stdout (CSV or JSON through analytics.output) as an audited export: see
    :func:`audit_export`, which closes a read-only ``con``; the command must not use it afterwards."""
    from analytics.output import render

    sys.stdout.write(render(frame, fmt))
    sys.stdout.flush()  # the table is out before the audit entry waits for other processes' readers
    audit_export(args, con, user, len(frame), read_only=read_only)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn every expected failure into one line and an exit code.

    SIGTERM and SIGINT end the command cleanly (every ``finally`` runs: temporary files removed, transactions
    rolled back) with exit status 128 + the signal number; see README for the other codes.
    """
    db: str | None = None
    with stop_cleanly_on_signals() as received:
        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            db = getattr(args, "db", None)
            return int(args.func(args) or 0)
        except JingminError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return exc.exit_code
        except Stopped as exc:
            return _stopped(exc.signum)
        except (KeyboardInterrupt, InterruptException):
            # DuckDB turns a signal during a query into InterruptException; an open transaction was rolled back.
            return _stopped(received[0] if received else signal.SIGINT)
        except (IOException, FatalException) as exc:
            # A write outside store.transaction (or a checkpoint) met a full disk or an unwritable file.
            from analytics import store
            from analytics.errors import StoreError

            print(f"error: reading or writing the database {store.resolve_db_path(db)} failed: {exc}. Free disk "
                  "space or make the file, its .wal and its folder writable, then try again.", file=sys.stderr)
            return StoreError.exit_code
        except (DuckDBError, RuntimeError):
            # Other errors that a signal caused mid-query; anything else is a bug and keeps its traceback.
            if not received:
                raise
            return _stopped(received[0])


def _stopped(signum: int) -> int:
    """One line on stderr for a command stopped by a signal, and its exit status (128 + the signal)."""
    print("interrupted" if signum == signal.SIGINT else f"stopped by signal {signum}", file=sys.stderr)
    return 128 + int(signum)
