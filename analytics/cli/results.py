"""``python -m analytics results``: published figures (other agencies', earlier results) as a tidy table, and
``results remove LOAD_ID`` to take a published load back.

Every row is labelled ``kind=published`` and keeps its source; ``shown`` is the value as published (0.63 ->
63%), ``interval`` says where the interval comes from ('published' bounds, 'se', 'wilson' from the base, or
'none': "published figure, no interval"); a figure the source did not publish has an empty value and flag
``not_published``. Loading is ``python -m analytics ingest results FILE --root NAME``. ``results`` without an
action is ``results list`` (kept so that existing scripts go on working).
"""

from __future__ import annotations

import argparse

from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table, resolve_user
from analytics.periods import CALENDAR_KINDS  # standard library only


def run(args: argparse.Namespace) -> int:
    """Print the published figures, list the loads, or remove one load."""
    from analytics import published  # imported by the command, not by --help (issue 14.6)

    if args.action == "remove":
        con = open_store(args, write=True)
        try:
            user = resolve_user(con, args)
            # The engine checks the permission (upload: analysts and admins) and audits the removal.
            done = published.remove_load(con, args.load_id, user=user)
        finally:
            con.close()
        print(f"Removed published load {done['load_id']} ({done['source_name']}, {done['root']}): "
              f"{done['figures']} figures.")
        return 0
    con = open_store(args)
    try:
        if args.action == "loads":
            user = resolve_user(con, args)  # the credential is checked even for the list of loads
            print_table(args, con, user, published.loads(con), args.format)
            return 0
        sel = build_selection(con, args, period_kind=args.period_kind)
        table = published.results_by(con, sel, [b.strip() for b in args.by.split(",") if b.strip()])
    finally:
        con.close()
    if args.measure:
        table = table[table["measure"].isin(args.measure) | table["indicator"].isin(args.measure)]
    print_table(args, con, sel.user, table, args.format)  # con is closed: the audit opens its own
    return 0


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default="jurisdiction,period",
                        help="sort keys, comma-separated: jurisdiction, period, measure, group")
    parser.add_argument("--period-kind", default="all", choices=CALENDAR_KINDS,
                        help="only figures of this window length (default: all)")
    parser.add_argument("--measure", nargs="+", metavar="NAME", help="only these measures or indicators")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``results`` command (``list`` by default, ``loads``, ``remove LOAD_ID``)."""
    parser = subparsers.add_parser(
        "results", help="published figures loaded with 'ingest results': list | loads | remove LOAD_ID",
        description="Print every published figure: area, period, measure, group, the value as published, base, "
                    "SE, interval (or none) and source. 'results loads' lists the loads; 'results remove LOAD_ID' "
                    "removes one (analyst or admin; audited).")
    _list_options(parser)
    parser.set_defaults(func=run, action="list")
    actions = parser.add_subparsers(dest="action", required=False, metavar="ACTION")
    listing = actions.add_parser("list", help="the published figures (the default)")
    _list_options(listing)
    loads = actions.add_parser("loads", help="every published-results load, with its id and status")
    loads.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(loads)
    add_user_argument(loads)
    remove = actions.add_parser("remove", help="remove one published load (its figures; audited)")
    remove.add_argument("load_id", type=int, metavar="LOAD_ID", help="the load's id (see 'results loads')")
    add_db_argument(remove)
    add_user_argument(remove)
    for sub in (listing, loads, remove):
        sub.set_defaults(func=run)
