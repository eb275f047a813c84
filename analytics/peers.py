"""Peer groups: named sets of similar jurisdictions of one level that a comparison can be limited to (the
Compare page's peer groups, CLI ``peers``). Saving and removing need the ``definitions`` permission, are
audited and bump the data version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from analytics import engine, store
from analytics.auth import User, visible_codes
from analytics.db import Connection, execute, query_df
from analytics.errors import CompareError, UnknownNameError

__all__ = ["PEER_NAME_MAX", "save_peer_group", "delete_peer_group", "list_peer_groups", "peer_group_codes"]

PEER_NAME_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --------------------------------------------------------------------------------------------------
# Peer groups
# --------------------------------------------------------------------------------------------------


def _check_group_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean or len(clean) > PEER_NAME_MAX or _CONTROL.search(clean):
        raise CompareError(f"A peer group needs a name of 1 to {PEER_NAME_MAX} characters; got {name!r}.",
                           key="error.compare.group_name", max=PEER_NAME_MAX)
    return clean


def list_peer_groups(con: Connection, user: User | None = None) -> pd.DataFrame:
    """Every peer group member: ``group_name, jurisdiction_code, name_zh, name_en, level``.

    A scoped ``user`` (station role) sees only the members it may see (never a sibling station's name or code).
    """
    groups = query_df(con, "peers/groups")
    visible = visible_codes(con, user) if user is not None else None
    if visible is None:
        return groups
    return groups[groups["jurisdiction_code"].isin(visible)].reset_index(drop=True)


def peer_group_codes(con: Connection, name: str) -> list[str]:
    """The member codes of peer group ``name``; UnknownNameError if there is no such group."""
    groups = list_peer_groups(con)
    codes = list(groups.loc[groups["group_name"] == name, "jurisdiction_code"])
    if not codes:
        raise UnknownNameError(f"No peer group named {name!r}.", key="error.compare.unknown_group", group=name)
    return codes


def save_peer_group(con: Connection, name: str, codes: Sequence[str], *, user: User) -> str:
    """Create or replace peer group ``name`` with ``codes`` (at least 2 jurisdictions of one level); ``user``
    needs the ``definitions`` permission (peer groups define comparisons, like indicator definitions).

    One transaction: the members are replaced, the change is audited (``peers.save``) and the data version
    bumped. Returns the group's level. Call outside an open transaction.
    """
    user.require("definitions")
    clean = _check_group_name(name)
    members = sorted({str(c).strip() for c in codes if str(c).strip()})
    if len(members) < 2:
        raise CompareError("A peer group needs at least 2 jurisdictions.", key="error.compare.group_size")
    known = engine.jurisdictions(con).set_index("code")["level"]
    unknown = [c for c in members if c not in known.index]
    if unknown:
        raise UnknownNameError(f"Unknown jurisdiction code(s): {', '.join(unknown)}.",
                               key="error.compare.unknown_codes", codes=", ".join(unknown))
    levels = sorted(set(known.loc[members]))
    if len(levels) > 1:
        raise CompareError(f"A peer group compares jurisdictions of one level; these are {', '.join(levels)}.",
                           key="error.compare.group_mixed", levels=", ".join(levels))
    with store.transaction(con):
        execute(con, "peers/group_replace", {"group": clean, "codes": list(members)})
        store.audit(con, user.username, "peers.save", {"group": clean, "members": members, "level": levels[0]})
        store.bump_data_version(con)
    return levels[0]


def delete_peer_group(con: Connection, name: str, *, user: User) -> int:
    """Delete peer group ``name`` (``user`` needs ``definitions``; audited as ``peers.remove``); returns the
    number of members removed."""
    user.require("definitions")
    members = peer_group_codes(con, name)
    with store.transaction(con):
        execute(con, "peers/group_delete", {"group": name})
        store.audit(con, user.username, "peers.remove", {"group": name, "members": members})
        store.bump_data_version(con)
    return len(members)
