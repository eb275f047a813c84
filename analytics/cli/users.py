"""``python -m analytics users add|remove|reset-password|list``: manage accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics import auth
from analytics.cli import add_db_argument, open_store
from analytics.errors import AccessDenied


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise AccessDenied("The two passwords differ.", key="error.password_mismatch")
    return first


def run(args: argparse.Namespace) -> int:
    """Carry out the users sub-command."""
    con = open_store(args, write=args.action != "list")
    if args.action == "list":
        for row in auth.list_users(con):
            print("\t".join("" if v is None else str(v) for v in row.values()))
        return 0
    if args.action == "add":
        auth.add_user(con, args.name, _read_password(args), args.role, jurisdiction_code=args.jurisdiction,
                      actor="cli")
        print(f"added {args.name} ({args.role})")
    elif args.action == "remove":
        auth.remove_user(con, args.name, actor="cli")
        print(f"removed {args.name}")
    else:
        auth.reset_password(con, args.name, _read_password(args), actor="cli")
        print(f"password reset for {args.name}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` command group."""
    parser = subparsers.add_parser("users", help="manage accounts (admin)",
                                   description="Manage accounts. Once an account exists, the dashboard "
                                               "requires login. Passwords are stored as argon2id hashes.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=auth.ROLES)
    add.add_argument("--jurisdiction", metavar="CODE", help="for station users: the jurisdiction they may see")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    reset = actions.add_parser("reset-password", help="set a new password and clear a lockout")
    reset.add_argument("name")
    actions.add_parser("list", help="list accounts (no passwords)")
    for sub in (add, reset):
        sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for sub in (add, remove, reset, actions.choices["list"]):
        add_db_argument(sub)
    parser.set_defaults(func=run)
