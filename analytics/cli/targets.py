"""``python -m analytics targets``: set, list or remove assessment targets (audited; analysts and admins set)."""

from __future__ import annotations

import argparse

from analytics.choices import ASSESSMENT_SOURCES, TARGET_DIRECTIONS
from analytics.cli import add_db_argument, add_user_argument, open_store, print_table, resolve_user


def run(args: argparse.Namespace) -> int:
    """List the targets, or set or remove one."""
    # The engine is imported here, not at the top: --help builds every parser and must stay light.
    from analytics import assessment

    con = open_store(args, write=args.action != "list")
    try:
        user = resolve_user(con, args)
        if args.action == "list":
            print_table(args, con, user, assessment.list_targets(con), args.format)
            return 0
        if args.action == "set":
            assessment.set_target(con, args.source, args.component, args.target, user=user, direction=args.direction,
                                  scope=args.scope, effective_from=args.effective_from)
            print(f"Target set: {args.source}:{args.component} {args.direction} is better, target {args.target:g}, "
                  f"scope {args.scope}, from {args.effective_from}.")
        else:
            assessment.remove_target(con, args.source, args.component, user=user, scope=args.scope,
                                     effective_from=args.effective_from)
            print(f"Target removed: {args.source}:{args.component}, scope {args.scope}, from {args.effective_from}.")
        return 0
    finally:
        con.close()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``targets`` command group."""
    parser = subparsers.add_parser(
        "targets", help="assessment targets: set | list | remove",
        description="A target is a value on the component's own scale (a rate as a proportion: 0.85 for 85%) and "
                    "a direction, for every jurisdiction (scope *), a level (level:station) or one jurisdiction "
                    "code, from a period on. Setting and removing need the analyst or admin role and are audited.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    setting = actions.add_parser("set", help="set (or replace) a target")
    setting.add_argument("source", choices=ASSESSMENT_SOURCES)
    setting.add_argument("component", metavar="KEY", help="indicator key, internal measure or case rate")
    setting.add_argument("target", type=float, metavar="VALUE")
    setting.add_argument("--direction", default="higher", choices=TARGET_DIRECTIONS)
    listing = actions.add_parser("list", help="every target")
    listing.add_argument("--format", default="csv", choices=["csv", "json"])
    remove = actions.add_parser("remove", help="remove a target")
    remove.add_argument("source", choices=ASSESSMENT_SOURCES)
    remove.add_argument("component", metavar="KEY")
    for sub in (setting, remove):
        sub.add_argument("--scope", default="*", help="* (default), level:station|district|city, or a code")
        sub.add_argument("--effective-from", default="2000-01", metavar="PERIOD",
                         help="first period the target applies to, e.g. 2026Q1 (default: always)")
    for sub in (setting, listing, remove):
        add_db_argument(sub)
        add_user_argument(sub)
        sub.set_defaults(func=run)
