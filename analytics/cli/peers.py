"""``python -m analytics peers``: named groups of similar jurisdictions to compare among themselves."""

from __future__ import annotations

import argparse

from analytics.cli import add_db_argument, add_user_argument, open_store, print_table, resolve_user


def run(args: argparse.Namespace) -> int:
    """Add (or replace), list or remove a peer group."""
    from analytics import peers

    con = open_store(args, write=args.action != "list")
    user = resolve_user(con, args)
    if args.action == "list":
        print_table(args, con, user, peers.list_peer_groups(con, user), args.format)
        return 0
    if args.action == "add":
        level = peers.save_peer_group(con, args.name, args.codes, user=user)
        print(f"Saved peer group {args.name.strip()!r}: {len(set(args.codes))} {level} jurisdictions.")
    else:
        removed = peers.delete_peer_group(con, args.name, user=user)
        print(f"Removed peer group {args.name!r} ({removed} members).")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``peers`` command group."""
    parser = subparsers.add_parser(
        "peers", help="peer groups: add NAME CODE... | list | remove NAME",
        description="Peer groups are named sets of similar jurisdictions of one level; `compare --peer-group NAME` "
                    "compares within one. Changing them needs the analyst or admin role.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a peer group, or replace its members")
    add.add_argument("name", metavar="NAME")
    add.add_argument("codes", nargs="+", metavar="CODE", help="at least 2 jurisdiction codes of one level")
    listing = actions.add_parser("list", help="every peer group and its members")
    listing.add_argument("--format", default="csv", choices=["csv", "json"])
    remove = actions.add_parser("remove", help="delete a peer group")
    remove.add_argument("name", metavar="NAME")
    for sub in (add, listing, remove):
        add_db_argument(sub)
        add_user_argument(sub)
        sub.set_defaults(func=run)
