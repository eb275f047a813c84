"""``python -m analytics users add|remove|reset-password|list|token``: manage accounts and CLI tokens.

Once an account exists, every change and the listing need an admin's credential (``--user NAME`` with
its password, or ``--token-file``); only the very first account may be created without one, and it
must be an admin (otherwise nobody could manage accounts afterwards). The audit log records the
authenticated admin as the actor. ``users token create`` makes a token for the signed-in account and
needs its password (a token may not renew itself).

With ``--password-stdin``, standard input carries one password per line: first the acting account's
(when accounts exist and no token file is used), then the new password for ``add``/``reset-password``.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from analytics import auth
from analytics.auth import User
from analytics.cli import add_db_argument, add_user_argument, audit_export, open_store, resolve_user
from analytics.cli._identity import stdin_line
from analytics.db import Connection
from analytics.errors import AccessDenied, ConfigError


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return stdin_line("new password")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat new password: "):
        raise AccessDenied("The two passwords differ.", key="error.password_mismatch")
    return first


def _acting_admin(con: Connection, args: argparse.Namespace) -> User:
    """The authenticated account, refused at once unless it may manage users: the engine checks again, but
    this way nobody types a new password only to be told no."""
    user = resolve_user(con, args)
    user.require("users")
    return user


def _add(con: Connection, args: argparse.Namespace) -> None:
    if auth.any_users(con):
        actor = _acting_admin(con, args)
    else:
        if args.role != "admin":
            raise AccessDenied("The first account must be an admin: it is the only one who can add others.",
                               key="error.first_account_admin")
        actor = auth.LOCAL_USER  # the very first account: nobody can sign in yet
    auth.add_user(con, args.name, _read_new_password(args), args.role, jurisdiction_code=args.jurisdiction,
                  user=actor)
    print(f"added {args.name} ({args.role})")


def _open_token_file(out: Path) -> int:
    """Create ``out`` with mode 600 and return its descriptor; never overwrite (or follow a link planted at) an
    existing path. Opened before the token is made so that a bad path leaves no unused token behind."""
    if not out.parent.is_dir():
        raise ConfigError(f"--out: the folder {out.parent} does not exist.")
    try:
        return os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(f"--out {out} exists already; remove it or choose another name.") from exc
    except OSError as exc:
        raise ConfigError(f"Cannot create the token file {out}: {exc.strerror or exc}.") from exc


def _token(con: Connection, args: argparse.Namespace) -> None:
    if args.token_action == "create":
        user = resolve_user(con, args, allow_token=False)
        out = Path(args.out).expanduser()
        fd = _open_token_file(out)
        written = False
        try:
            text, expires = auth.create_token(con, user, days=args.days)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            written = True
        finally:
            if not written:
                out.unlink(missing_ok=True)
        print(f"wrote a token for {user.username} to {out} (mode 600), valid until {expires:%Y-%m-%d %H:%M}; "
              f"use it with --token-file {out} or $JINGMIN_TOKEN_FILE")
        return
    user = resolve_user(con, args)
    name = args.name or user.username
    count = auth.revoke_tokens(con, name, user=user)
    print(f"revoked {count} token(s) of {name}")


def run(args: argparse.Namespace) -> int:
    """Carry out the users sub-command as the authenticated account."""
    # Read-write even to list: a wrong credential is written to the audit log (and counts toward lockout).
    con = open_store(args, write=True)
    if args.action == "add":
        _add(con, args)
    elif args.action == "token":
        _token(con, args)
    elif args.action == "list":
        user = resolve_user(con, args)
        accounts = auth.list_users(con, user)
        for row in accounts:
            print("\t".join("" if v is None else str(v) for v in row.values()))
        audit_export(args, con, user, len(accounts), read_only=False)
    elif args.action == "remove":
        admin = _acting_admin(con, args)
        auth.remove_user(con, args.name, user=admin)
        print(f"removed {args.name}")
    else:
        admin = _acting_admin(con, args)
        auth.reset_password(con, args.name, _read_new_password(args), user=admin)
        print(f"password reset for {args.name}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` command group."""
    parser = subparsers.add_parser(
        "users", help="manage accounts and command-line tokens (admin)",
        description="Manage accounts. Once an account exists, the dashboard requires login and every command "
                    "needs a credential; changes need an admin's. Passwords are stored as argon2id hashes. With "
                    "--password-stdin, standard input has one password per line: the acting --user's first "
                    "(once accounts exist, without --token-file), then the new one.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account (the first one must be an admin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=auth.ROLES)
    add.add_argument("--jurisdiction", metavar="CODE", help="for station users: the jurisdiction they may see")
    remove = actions.add_parser("remove", help="delete an account (and its tokens)")
    remove.add_argument("name")
    reset = actions.add_parser("reset-password", help="set a new password, clear a lockout, revoke tokens")
    reset.add_argument("name")
    listing = actions.add_parser("list", help="list accounts (no passwords)")
    token = actions.add_parser("token", help="command-line tokens: create | revoke")
    token_actions = token.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = token_actions.add_parser(
        "create", help="write a new token for the --user (password required) to a file only you can read")
    create.add_argument("--out", required=True, metavar="FILE", help="the token file to create (mode 600)")
    create.add_argument("--days", type=float, default=auth.DEFAULT_TOKEN_DAYS,
                        help=f"how long the token is valid (default {auth.DEFAULT_TOKEN_DAYS}, "
                             f"at most {auth.MAX_TOKEN_DAYS})")
    revoke = token_actions.add_parser("revoke", help="delete every token of an account (default: your own)")
    revoke.add_argument("name", nargs="?", default=None, help="another account's (admins only)")
    for sub in (add, remove, reset, listing, create, revoke):
        add_db_argument(sub)
        add_user_argument(sub)
    parser.set_defaults(func=run)
