"""Accounts, roles and jurisdiction scope.

Passwords are stored as argon2id hashes (salted, deliberately slow; RFC 9106) via argon2-cffi.
After ``MAX_FAILED_ATTEMPTS`` wrong passwords an account is locked for ``LOCKOUT_MINUTES``.

Roles and what they may do:

* ``admin``   — everything: users, indicator definitions, removing batches, the audit log.
* ``analyst`` — upload, mappings, definitions, respondent-level download (without personal data).
* ``leader``  — every dashboard, read-only.
* ``station`` — dashboards and forum mode for its own jurisdiction subtree, plus the averages of the
  district and city above it; never another station's figures.

While no account exists, Jingmin runs as a local single-user install (bound to localhost by
``.streamlit/config.toml``) and the user is the built-in local admin.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics.errors import AccessDenied, UnknownNameError
from analytics.store import audit

ROLES = ("admin", "analyst", "leader", "station")
MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
SESSION_TIMEOUT_MINUTES = 30
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view_all", "upload", "mappings", "definitions", "remove_batch", "users", "audit",
                        "respondent_download", "forum_edit", "weights"}),
    "analyst": frozenset({"view_all", "upload", "mappings", "definitions", "respondent_download", "forum_edit",
                          "weights"}),
    "leader": frozenset({"view_all"}),
    "station": frozenset({"forum_edit"}),
}

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A signed-in user (or the local single user when no account exists)."""

    username: str
    role: str
    jurisdiction_code: str | None = None

    def can(self, permission: str) -> bool:
        """Whether this user's role grants ``permission``."""
        return permission in PERMISSIONS[self.role]

    def require(self, permission: str) -> None:
        """Raise AccessDenied unless the role grants ``permission``."""
        if not self.can(permission):
            raise AccessDenied(f"User {self.username!r} ({self.role}) may not do this ({permission}).",
                               key="error.access_denied", permission=permission)

    @property
    def scoped(self) -> bool:
        """True for station users, whose view is limited to their subtree and its ancestors."""
        return self.role == "station"


LOCAL_USER = User("local", "admin", None)


def any_users(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether at least one account exists (then login is required)."""
    return con.execute("SELECT count(*) FROM users").fetchall()[0][0] > 0


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessDenied(f"Passwords must have at least {MIN_PASSWORD_LENGTH} characters.",
                           key="error.password_short", minimum=MIN_PASSWORD_LENGTH)


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str, *,
             jurisdiction_code: str | None = None, actor: str = "local") -> User:
    """Create an account. Station users need the jurisdiction whose subtree they may see."""
    if not _USERNAME.match(username):
        raise AccessDenied("User names are 2–40 letters, digits, '.', '_' or '-'.", key="error.bad_username")
    if role not in ROLES:
        raise UnknownNameError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if role == "station":
        if not jurisdiction_code:
            raise AccessDenied("A station user needs --jurisdiction CODE (the subtree they may see).",
                               key="error.station_needs_jurisdiction")
        if not con.execute("SELECT 1 FROM jurisdictions WHERE code = $c", {"c": jurisdiction_code}).fetchall():
            raise UnknownNameError(f"No jurisdiction with code {jurisdiction_code!r}.")
    elif jurisdiction_code:
        raise AccessDenied("Only station users are limited to a jurisdiction.", key="error.only_station_scoped")
    _check_new_password(password)
    if con.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchall():
        raise AccessDenied(f"A user named {username!r} already exists.", key="error.user_exists")
    con.execute("INSERT INTO users (username, password_hash, role, jurisdiction_code) VALUES ($u, $h, $r, $j)",
                {"u": username, "h": _hasher.hash(password), "r": role, "j": jurisdiction_code})
    audit(con, actor, "user.add", {"username": username, "role": role, "jurisdiction": jurisdiction_code})
    return User(username, role, jurisdiction_code)


def remove_user(con: duckdb.DuckDBPyConnection, username: str, *, actor: str = "local") -> None:
    """Delete an account."""
    if not con.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchall():
        raise UnknownNameError(f"No user named {username!r}.")
    con.execute("DELETE FROM users WHERE username = $u", {"u": username})
    audit(con, actor, "user.remove", {"username": username})


def reset_password(con: duckdb.DuckDBPyConnection, username: str, password: str, *, actor: str = "local") -> None:
    """Set a new password and clear any lockout."""
    if not con.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchall():
        raise UnknownNameError(f"No user named {username!r}.")
    _check_new_password(password)
    con.execute("UPDATE users SET password_hash = $h, failed_attempts = 0, locked_until = NULL WHERE username = $u",
                {"u": username, "h": _hasher.hash(password)})
    audit(con, actor, "user.reset_password", {"username": username})


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Accounts without their password hashes."""
    rows = con.execute("SELECT username, role, jurisdiction_code, created_at, last_login, locked_until "
                       "FROM users ORDER BY username").fetchall()
    keys = ("username", "role", "jurisdiction_code", "created_at", "last_login", "locked_until")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User:
    """The account named ``username`` (for CLI ``--user``); UnknownNameError if absent."""
    rows = con.execute("SELECT username, role, jurisdiction_code FROM users WHERE username = $u",
                       {"u": username}).fetchall()
    if not rows:
        raise UnknownNameError(f"No user named {username!r}.")
    return User(*rows[0])


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str, *,
                 now: dt.datetime | None = None) -> User:
    """Check a password; count failures, lock the account after repeated failures, audit every attempt.

    The same message is given for an unknown user and a wrong password, so names cannot be probed.
    """
    now = now or dt.datetime.now()
    rows = con.execute("SELECT username, role, jurisdiction_code, password_hash, failed_attempts, locked_until "
                       "FROM users WHERE username = $u", {"u": username}).fetchall()
    if not rows:
        audit(con, username, "login.failed", {"reason": "unknown user"})
        raise AccessDenied("Wrong user name or password.", key="error.login_failed")
    name, role, jurisdiction, stored, failures, locked_until = rows[0]
    if locked_until is not None and locked_until > now:
        audit(con, username, "login.locked", {"until": locked_until})
        raise AccessDenied(f"Too many failed attempts: this account is locked until {locked_until:%H:%M}.",
                           key="error.login_locked", until=f"{locked_until:%H:%M}")
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures += 1
        lock = now + dt.timedelta(minutes=LOCKOUT_MINUTES) if failures >= MAX_FAILED_ATTEMPTS else None
        con.execute("UPDATE users SET failed_attempts = $f, locked_until = $l WHERE username = $u",
                    {"f": 0 if lock else failures, "l": lock, "u": username})
        audit(con, username, "login.failed", {"reason": "wrong password", "locked": lock is not None})
        if lock:
            raise AccessDenied(f"Too many failed attempts: this account is locked until {lock:%H:%M}.",
                               key="error.login_locked", until=f"{lock:%H:%M}") from None
        raise AccessDenied("Wrong user name or password.", key="error.login_failed") from None
    con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = $n WHERE username = $u",
                {"n": now, "u": username})
    audit(con, username, "login.ok", {})
    return User(name, role, jurisdiction)


def visible_codes(con: duckdb.DuckDBPyConnection, user: User) -> set[str] | None:
    """Jurisdiction codes whose figures ``user`` may see; None means all.

    A station user sees its own subtree and the jurisdictions above it (district and city
    averages), never a sibling's figures.
    """
    if not user.scoped:
        return None
    rows = con.execute(
        "SELECT code FROM jurisdiction_ancestors WHERE ancestor_code = $j "
        "UNION SELECT ancestor_code FROM jurisdiction_ancestors WHERE code = $j",
        {"j": user.jurisdiction_code}).fetchall()
    return {r[0] for r in rows}
