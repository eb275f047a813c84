"""Roles, what each may do, and the :class:`User` every engine write takes.

A leaf module (only :mod:`analytics.errors` below it) so that every engine module, down to the store,
can take a ``user`` and check it with ``user.require(permission)`` before it changes anything: the
permission check lives in the engine, pages and the command line only pass the user along.

Roles and what they may do:

* ``admin``   — everything: users, settings, indicator definitions, removing batches, the audit log.
* ``analyst`` — upload, mappings, definitions and peer groups, raking, forum actions, respondent-level
  download (without personal data), the respondents behind integrity flags and excluding/restoring them in
  the sensitivity view (``integrity``), record-level detail (``record_detail``: escalation lists, residents'
  redacted texts).
* ``leader``  — every dashboard, read-only.
* ``station`` — dashboards and forum mode for its own jurisdiction subtree, plus the averages of the
  district and city above it; never another station's figures.

While no account exists, Jingmin runs as a local single-user install (bound to localhost by
``.streamlit/config.toml``) and the user is the built-in local admin (:data:`LOCAL_USER`).
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.errors import AccessDenied

ROLES = ("admin", "analyst", "leader", "station")

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view_all", "upload", "mappings", "definitions", "remove_batch", "users", "audit",
                        "respondent_download", "forum_edit", "weights", "integrity", "record_detail", "settings"}),
    "analyst": frozenset({"view_all", "upload", "mappings", "definitions", "respondent_download", "forum_edit",
                          "weights", "integrity", "record_detail"}),
    "leader": frozenset({"view_all"}),
    "station": frozenset({"forum_edit"}),
}


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
