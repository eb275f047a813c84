"""Accounts, roles and jurisdiction scope.

Passwords are stored as argon2id hashes (salted, deliberately slow; RFC 9106) via argon2-cffi.
After ``MAX_FAILED_ATTEMPTS`` wrong passwords (or wrong command-line tokens) an account is locked
for ``LOCKOUT_MINUTES``. An unknown user name costs one argon2 verification too (against a dummy
hash), so the time a refusal takes does not tell whether the name exists.

Command-line tokens (``python -m analytics users token create``) are random 256-bit secrets kept in
a file only their owner can read; the database stores their SHA-256 (a fast hash suffices for a
random secret of that length) and an expiry. A token file holds ``NAME:SECRET``.

Roles, permissions and :class:`User` live in :mod:`analytics.roles` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import db
from analytics.db import Connection
from analytics.errors import AccessDenied, UnknownNameError
from analytics.roles import LOCAL_USER, PERMISSIONS, ROLES, User  # noqa: F401 (re-exported)
from analytics.store import audit

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
SESSION_TIMEOUT_MINUTES = 30
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 366
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash of a random password, made with the same parameters as real ones.

    Made on first use rather than at import: hashing costs as much as a verification, and most
    processes (every CLI command without accounts) never need it."""
    return _hasher.hash(secrets.token_urlsafe(24))


def any_users(con: Connection) -> bool:
    """Whether at least one account exists (then login is required)."""
    return db.fetch_one(con, "auth/any_users")["n"] > 0


def _exists(con: Connection, username: str) -> bool:
    return bool(db.fetch_one(con, "auth/user_exists", {"username": username}))


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessDenied(f"Passwords must have at least {MIN_PASSWORD_LENGTH} characters.",
                           key="error.password_short", minimum=MIN_PASSWORD_LENGTH)


def add_user(con: Connection, username: str, password: str, role: str, *,
             jurisdiction_code: str | None = None, user: User) -> User:
    """Create an account (``user`` needs the ``users`` permission and is the audit actor; the very first
    account is made by the local admin). Station users need the jurisdiction whose subtree they may see."""
    user.require("users")
    if not _USERNAME.match(username):
        raise AccessDenied("User names are 2–40 letters, digits, '.', '_' or '-'.", key="error.bad_username")
    if role not in ROLES:
        raise UnknownNameError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if role == "station":
        if not jurisdiction_code:
            raise AccessDenied("A station user needs --jurisdiction CODE (the subtree they may see).",
                               key="error.station_needs_jurisdiction")
        if not db.fetch_one(con, "auth/jurisdiction_exists", {"code": jurisdiction_code}):
            raise UnknownNameError(f"No jurisdiction with code {jurisdiction_code!r}.")
    elif jurisdiction_code:
        raise AccessDenied("Only station users are limited to a jurisdiction.", key="error.only_station_scoped")
    _check_new_password(password)
    if _exists(con, username):
        raise AccessDenied(f"A user named {username!r} already exists.", key="error.user_exists")
    db.execute(con, "auth/user_insert", {"username": username, "password_hash": _hasher.hash(password),
                                         "role": role, "jurisdiction_code": jurisdiction_code})
    audit(con, user.username, "user.add", {"username": username, "role": role, "jurisdiction": jurisdiction_code})
    return User(username, role, jurisdiction_code)


def remove_user(con: Connection, username: str, *, user: User) -> None:
    """Delete an account (``user`` needs the ``users`` permission)."""
    user.require("users")
    if not _exists(con, username):
        raise UnknownNameError(f"No user named {username!r}.")
    db.execute(con, "auth/user_delete", {"username": username})
    audit(con, user.username, "user.remove", {"username": username})


def reset_password(con: Connection, username: str, password: str, *, user: User) -> None:
    """Set a new password, clear any lockout and revoke the account's command-line tokens (a reset often
    follows a suspected compromise, so every old credential ends with it). ``user`` needs ``users``."""
    user.require("users")
    if not _exists(con, username):
        raise UnknownNameError(f"No user named {username!r}.")
    _check_new_password(password)
    db.execute(con, "auth/password_reset", {"username": username, "password_hash": _hasher.hash(password)})
    audit(con, user.username, "user.reset_password", {"username": username})


def list_users(con: Connection, user: User) -> list[dict[str, object]]:
    """Accounts without their password hashes (``user`` needs the ``users`` permission)."""
    user.require("users")
    rows = db.fetch_all(con, "auth/users_list")
    keys = ("username", "role", "jurisdiction_code", "created_at", "last_login", "locked_until")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def get_user(con: Connection, username: str) -> User:
    """The account named ``username`` (for CLI ``--user``); UnknownNameError if absent."""
    rows = db.fetch_all(con, "auth/user_get", {"username": username})
    if not rows:
        raise UnknownNameError(f"No user named {username!r}.")
    return User(*rows[0])


def _account(con: Connection, username: str) -> tuple | None:
    rows = db.fetch_all(con, "auth/account", {"username": username})
    return rows[0] if rows else None


def _refuse_if_locked(con: Connection, username: str, locked_until: dt.datetime | None,
                      now: dt.datetime, via: str) -> None:
    if locked_until is not None and locked_until > now:
        audit(con, username, "login.locked", {"until": locked_until, "via": via})
        raise AccessDenied(f"Too many failed attempts: this account is locked until {locked_until:%H:%M}.",
                           key="error.login_locked", until=f"{locked_until:%H:%M}")


def _count_failure(con: Connection, username: str, failures: int, now: dt.datetime,
                   reason: str, via: str) -> NoReturn:
    """Record one more failed attempt (locking the account at MAX_FAILED_ATTEMPTS), audit it and refuse."""
    failures += 1
    lock = now + dt.timedelta(minutes=LOCKOUT_MINUTES) if failures >= MAX_FAILED_ATTEMPTS else None
    db.execute(con, "auth/failure_record",
               {"failed_attempts": 0 if lock else failures, "locked_until": lock, "username": username})
    audit(con, username, "login.failed", {"reason": reason, "locked": lock is not None, "via": via})
    if lock:
        raise AccessDenied(f"Too many failed attempts: this account is locked until {lock:%H:%M}.",
                           key="error.login_locked", until=f"{lock:%H:%M}")
    raise AccessDenied("Wrong user name or password.", key="error.login_failed")


def _signed_in(con: Connection, row: tuple, now: dt.datetime, via: str) -> User:
    name, role, jurisdiction = row[:3]
    db.execute(con, "auth/signed_in", {"now": now, "username": name})
    audit(con, name, "login.ok", {"via": via})
    return User(name, role, jurisdiction)


def authenticate(con: Connection, username: str, password: str, *,
                 now: dt.datetime | None = None, via: str = "password") -> User:
    """Check a password; count failures, lock the account after repeated failures, audit every attempt.

    The same message is given for an unknown user and a wrong password, and an unknown user's password
    is verified against a dummy argon2 hash, so neither the message nor the time taken (about one
    argon2 verification either way) tells whether a name exists. ``via`` is recorded in the audit
    detail (``password`` for the dashboard, ``cli-password`` for the command line).
    """
    now = now or dt.datetime.now()
    row = _account(con, username)
    if row is None:
        try:
            _hasher.verify(_dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass  # the expected outcome: this verification only spends the time a real one would
        audit(con, username, "login.failed", {"reason": "unknown user", "via": via})
        raise AccessDenied("Wrong user name or password.", key="error.login_failed")
    _refuse_if_locked(con, username, row[5], now, via)
    try:
        _hasher.verify(row[3], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        _count_failure(con, username, row[4], now, "wrong password", via)
    return _signed_in(con, row, now, via)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(con: Connection, user: User, *, days: float = DEFAULT_TOKEN_DAYS,
                 now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A new command-line token for ``user``, valid for ``days`` (0 < days <= MAX_TOKEN_DAYS).

    Returns the token file's text (``NAME:SECRET``; the secret is shown nowhere else and only its
    SHA-256 is stored) and the expiry time. The creation is audited, never the secret.
    """
    if not 0 < days <= MAX_TOKEN_DAYS:
        raise AccessDenied(f"A token lasts more than 0 and at most {MAX_TOKEN_DAYS} days.",
                           key="error.token_days", maximum=MAX_TOKEN_DAYS)
    if user == LOCAL_USER or not _exists(con, user.username):
        raise AccessDenied("Tokens belong to an account: create one with `users add` first.",
                           key="error.token_needs_account")
    now = now or dt.datetime.now()
    expires = now + dt.timedelta(days=days)
    secret = secrets.token_urlsafe(32)
    db.execute(con, "auth/token_insert",
               {"token_hash": _token_digest(secret), "username": user.username, "now": now, "expires_at": expires})
    audit(con, user.username, "token.create", {"username": user.username, "expires": expires})
    return f"{user.username}:{secret}\n", expires


def revoke_tokens(con: Connection, username: str, *, user: User) -> int:
    """Delete every command-line token of ``username``; returns how many there were. Anyone may revoke their
    own tokens; another account's need the ``users`` permission."""
    if username != user.username:
        user.require("users")
    count = db.fetch_one(con, "auth/token_count", {"username": username})["n"]
    db.execute(con, "auth/tokens_delete", {"username": username})
    audit(con, user.username, "token.revoke", {"username": username, "tokens": count})
    return int(count)


def authenticate_token(con: Connection, text: str, *, now: dt.datetime | None = None) -> User:
    """Check a token file's text (``NAME:SECRET``). A wrong or expired token counts toward the
    account's lockout like a wrong password; every attempt is audited."""
    now = now or dt.datetime.now()
    username, sep, secret = text.strip().partition(":")
    row = _account(con, username) if sep and secret else None
    if row is None:
        audit(con, username or "?", "login.failed", {"reason": "unknown user or malformed token", "via": "token"})
        raise AccessDenied("The token is not valid: create a new one with `users token create`.",
                           key="error.token_invalid")
    _refuse_if_locked(con, username, row[5], now, "token")
    stored = db.fetch_all(con, "auth/tokens_of_user", {"username": username})
    digest = _token_digest(secret)
    # Compare against every stored digest (no early exit) so the time does not depend on which matched.
    matches = [expires for token_hash, expires in stored if hmac.compare_digest(token_hash, digest)]
    if not matches:
        _count_failure(con, username, row[4], now, "wrong token", "token")
    if matches[0] <= now:
        audit(con, username, "login.failed", {"reason": "expired token", "locked": False, "via": "token"})
        raise AccessDenied(f"The token expired at {matches[0]:%Y-%m-%d %H:%M}: create a new one with "
                           "`users token create`.", key="error.token_expired", at=f"{matches[0]:%Y-%m-%d %H:%M}")
    return _signed_in(con, row, now, "token")


def visible_codes(con: Connection, user: User) -> set[str] | None:
    """Jurisdiction codes whose figures ``user`` may see; None means all.

    A station user sees its own subtree and the jurisdictions above it (district and city
    averages), never a sibling's figures.
    """
    if not user.scoped:
        return None
    rows = db.fetch_all(con, "auth/visible_codes", {"jurisdiction_code": user.jurisdiction_code})
    return {r[0] for r in rows}
