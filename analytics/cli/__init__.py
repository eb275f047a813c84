"""The command-line interface: ``python -m analytics COMMAND ...``.

Each module in this package that defines ``register(subparsers)`` adds one command (or a
group); the module's ``register`` sets ``func`` on its parser, which receives the parsed
arguments and returns the exit code. Problems a user can cause print their message on
stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

import duckdb

from analytics.auth import User
from analytics.errors import JingminError


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


def resolve_user(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, *, allow_token: bool = True) -> User:
    """The authenticated user a command acts for, or the local admin while no account exists."""
    from analytics.cli._identity import resolve_user as resolve

    return resolve(con, args, allow_token=allow_token)


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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn a JingminError into a message and exit 2.

    SIGTERM and SIGINT end the command cleanly with exit status 128 + the signal number.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with stop_cleanly_on_signals() as received:
        try:
            return int(args.func(args) or 0)
        except JingminError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 2
        except Stopped as exc:
            print(f"stopped by signal {exc.signum}", file=sys.stderr)
            return 128 + exc.signum
        except (duckdb.Error, RuntimeError):
            # DuckDB turns a signal that arrives during a query into its own "Query interrupted" error.
            if not received:
                raise
            print(f"stopped by signal {received[0]}", file=sys.stderr)
            return 128 + received[0]
