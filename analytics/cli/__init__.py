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
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn a JingminError into a message and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except JingminError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
