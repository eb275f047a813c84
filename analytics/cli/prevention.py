"""``python -m analytics prevention``: disputes, 民转刑, hazards and unsolved-case callbacks.

``prevention metrics`` prints every prevention metric per jurisdiction and period (base n, Wilson interval
for rates, small-base flag); ``prevention escalations`` lists escalated disputes with the cases they led to
(ids and dates only, never a person key; analyst and admin); ``prevention overdue`` lists hazards overdue as
of the data; ``prevention opinions`` lists the opinions collected in callbacks on unsolved cases (redacted texts;
analyst and admin). The lists name each row's station and its village or community (``community``, blank for a
station's own rows). Definitions: docs/prevention.md. Loading: ``ingest disputes|hazards FILE``.
"""

from __future__ import annotations

import argparse

from analytics.choices import LEVELS
from analytics.cli import add_db_argument, add_user_argument, open_store, print_table, resolve_user
from analytics.periods import PERIOD_KINDS  # standard library only


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """--period-kind, --period, --level and --jurisdiction: the Selection of a prevention or voice command."""
    parser.add_argument("--period-kind", default="quarter", choices=PERIOD_KINDS)
    parser.add_argument("--period", nargs="+", metavar="LABEL", default=[],
                        help="only these periods, e.g. 2026Q2 2026Q3 (of --period-kind)")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", default=[], help="only these jurisdictions")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)


def selection(con, args: argparse.Namespace):  # noqa: ANN001, ANN201 (types imported inside the command)
    """The Selection the options describe, for the signed-in user."""
    from analytics.selection import Selection

    return Selection(period_kind=args.period_kind, periods=tuple(args.period), level=args.level,
                     jurisdiction_codes=tuple(args.jurisdiction), user=resolve_user(con, args))


def run(args: argparse.Namespace) -> int:
    """Print the requested prevention table."""
    from analytics import prevention

    con = open_store(args)
    sel = selection(con, args)
    if args.action == "metrics":
        table = prevention.prevention_metrics(con, sel, metrics=args.metric, window_days=args.window_days)
    elif args.action == "escalations":
        table = prevention.escalations(con, sel, window_days=args.window_days)
    elif args.action == "opinions":
        table = prevention.unsolved_opinions(con, sel)
    else:
        table = prevention.overdue_hazards(con, sel)
    print_table(args, con, sel.user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``prevention`` command group."""
    parser = subparsers.add_parser(
        "prevention", help="disputes, escalations (民转刑), hazards, unsolved-case callbacks",
        description="Prevention work per jurisdiction and period. Definitions: docs/prevention.md.")
    actions = parser.add_subparsers(dest="action", required=True)
    metrics = actions.add_parser("metrics", help="every prevention metric (tidy table)")
    metrics.add_argument("--metric", nargs="+", metavar="KEY", help="only these metrics")
    metrics.add_argument("--window-days", type=int, metavar="N",
                         help="escalation window in days (default: setting escalation_window_days, 180)")
    escalations = actions.add_parser("escalations", help="escalated disputes and the cases they led to "
                                                         "(analyst, admin)")
    escalations.add_argument("--window-days", type=int, metavar="N", help="escalation window in days")
    overdue = actions.add_parser("overdue", help="hazards overdue as of the data, longest first")
    opinions = actions.add_parser("opinions", help="opinions collected in callbacks on unsolved cases, redacted, "
                                                   "with tone and topics (analyst, admin)")
    for sub in (metrics, escalations, overdue, opinions):
        add_selection_arguments(sub)
        sub.set_defaults(func=run)
