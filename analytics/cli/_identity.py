"""Who a command acts for: the credential the command line must show once accounts exist.

While the database has no account, Jingmin is a local single-user install and every command runs as
the built-in local admin, as before. Once an account exists, a command that reads figures or changes
anything needs one credential, taken in this order:

1. a token file: ``--token-file PATH``, else ``$JINGMIN_TOKEN_FILE`` (made by ``users token create``;
   refused when group or others may read it, or when another user owns it);
2. ``--user NAME --password-stdin``: the password is the first line of standard input;
3. ``--user NAME`` on a terminal: the password is asked for without echo (getpass).

Wrong credentials count toward the account's lockout and are audited (analytics.auth). The audit
actor of everything the command does is the account the credential proved, never a name typed on
the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from pathlib import Path

from analytics.auth import LOCAL_USER, User, any_users, authenticate, authenticate_token, get_user
from analytics.db import Connection
from analytics.errors import AccessDenied, ConfigError

TOKEN_FILE_ENV = "JINGMIN_TOKEN_FILE"


def add_credential_arguments(parser: argparse.ArgumentParser) -> None:
    """``--user NAME``, ``--password-stdin`` and ``--token-file PATH``."""
    parser.add_argument("--user", metavar="NAME", default=None,
                        help="the account to act as (a station user sees only its own subtree and the averages "
                             "above it); once accounts exist its password is asked for on a terminal")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the --user's password from the first line of standard input")
    parser.add_argument("--token-file", metavar="PATH", default=None,
                        help=f"authenticate with a token file from `users token create` (default: ${TOKEN_FILE_ENV}); "
                             "it must be readable by its owner only")


def stdin_line(what: str) -> str:
    """One line of standard input (without its line end); AccessDenied when there is none."""
    line = sys.stdin.readline()
    if not line:
        raise AccessDenied(f"--password-stdin: standard input ended before the {what}.",
                           key="error.cli_stdin_empty", what=what)
    return line.rstrip("\r\n")


def read_token_file(path: Path) -> str:
    """The token file's text, after checking that only its owner (this user) can read it."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"Cannot read the token file {path}: {exc.strerror or exc}.") from exc
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise AccessDenied(f"The token file {path} can be read by other users (mode {mode:03o}); a token must be "
                           f"its owner's only: run `chmod 600 {path}`, or better create a new token.",
                           key="error.token_file_mode", path=str(path), mode=f"{mode:03o}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise AccessDenied(f"The token file {path} belongs to another system user.",
                           key="error.token_file_owner", path=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the token file {path}: {exc}.") from exc


def token_path(args: argparse.Namespace) -> Path | None:
    """The token file named by ``--token-file`` or ``$JINGMIN_TOKEN_FILE``, if any."""
    chosen = getattr(args, "token_file", None) or os.environ.get(TOKEN_FILE_ENV)
    return Path(chosen).expanduser() if chosen else None


def resolve_user(con: Connection, args: argparse.Namespace, *, allow_token: bool = True) -> User:
    """The authenticated user a command acts for (see the module docstring for the order of credentials).

    ``allow_token=False`` demands a password (for making a new token: a token must not renew itself).
    """
    if not any_users(con):
        return get_user(con, args.user) if args.user else LOCAL_USER
    path = token_path(args) if allow_token else None
    if path is not None:
        user = authenticate_token(con, read_token_file(path))
        if args.user and args.user != user.username:
            raise AccessDenied(f"The token file {path} is {user.username}'s, not {args.user}'s.",
                               key="error.token_other_user", path=str(path))
        return user
    if not args.user:
        raise AccessDenied("Accounts exist in this database: name the account with --user NAME and give its "
                           "password (asked for on a terminal, or --password-stdin), or use --token-file PATH.",
                           key="error.cli_user_required")
    if args.password_stdin:
        return authenticate(con, args.user, stdin_line("password"), via="cli-password")
    if sys.stdin is not None and sys.stdin.isatty():
        return authenticate(con, args.user, getpass.getpass(f"Password for {args.user}: "), via="cli-password")
    raise AccessDenied(f"Accounts exist in this database: {args.user}'s password is needed. Standard input is not "
                       "a terminal, so give it with --password-stdin (first line of standard input) or use "
                       "--token-file PATH.", key="error.cli_credential_required", user=args.user)
