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
import sys
import time
from collections.abc import Sequence

import duckdb

from analytics.auth import LOCAL_USER, User, any_users, get_user
from analytics.errors import AccessDenied, JingminError

EXIT_INTERRUPTED = 130  # the shell's 128 + SIGINT
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
    """The ``--user NAME`` option: apply that account's role and jurisdiction scope to the output."""
    parser.add_argument("--user", metavar="NAME", default=None,
                        help="answer as this account (a station user sees only its own subtree and the averages "
                             "above it); required once accounts exist")


def resolve_user(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> User:
    """The user a command acts for: ``--user NAME``, or the local admin while no account exists."""
    if args.user:
        return get_user(con, args.user)
    if any_users(con):
        raise AccessDenied("Accounts exist in this database: name the account with --user NAME.",
                           key="error.cli_user_required")
    return LOCAL_USER


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


def open_store(args: argparse.Namespace, *, write: bool = False) -> duckdb.DuckDBPyConnection:
    """The store for a command: read-only unless it writes, so that the dashboard and other commands
    can read at the same time; waits for another process's lock with a progress line on stderr."""
    from analytics import store  # local import: the parser is built without opening anything

    return store.connect(getattr(args, "db", None), read_only=not write, on_wait=_WaitReporter())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn every expected failure into one line and an exit code."""
    db: str | None = None
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
    except (duckdb.IOException, duckdb.FatalException) as exc:
        # A write outside store.transaction (or a checkpoint) met a full disk or an unwritable file.
        from analytics import store
        from analytics.errors import StoreError

        print(f"error: reading or writing the database {store.resolve_db_path(db)} failed: {exc}. Free disk space "
              "or make the file, its .wal and its folder writable, then try again.", file=sys.stderr)
        return StoreError.exit_code
    except (KeyboardInterrupt, duckdb.InterruptException):
        # DuckDB turns Ctrl-C during a query into InterruptException; an open transaction was rolled back.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
