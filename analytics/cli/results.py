"""``python -m analytics results``: published figures (other agencies', earlier results) as a tidy table.

Every row is labelled ``kind=published`` and keeps its source; ``shown`` is the value as published (0.63 ->
63%), ``interval`` says where the interval comes from ('published' bounds, 'se', 'wilson' from the base, or
'none': "published figure, no interval"); a figure the source did not publish has an empty value and flag
``not_published``. Loading is ``python -m analytics ingest results FILE --root NAME``.
"""

from __future__ import annotations

import argparse
import sys

from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store
from analytics.periods import CALENDAR_KINDS  # standard library only


def run(args: argparse.Namespace) -> int:
    """Print the published figures."""
    con = open_store(args)
    from analytics import published  # imported by the command, not by --help (issue 14.6)
    from analytics.output import render

    sel = build_selection(con, args, period_kind=args.period_kind)
    table = published.results_by(con, sel, [b.strip() for b in args.by.split(",") if b.strip()])
    if args.measure:
        table = table[table["measure"].isin(args.measure) | table["indicator"].isin(args.measure)]
    sys.stdout.write(render(table, args.format))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``results`` command."""
    parser = subparsers.add_parser(
        "results", help="published figures loaded with 'ingest results' (tidy table, labelled as published)",
        description="Print every published figure: area, period, measure, group, the value as published, base, "
                    "SE, interval (or none) and source.")
    parser.add_argument("--by", default="jurisdiction,period",
                        help="sort keys, comma-separated: jurisdiction, period, measure, group")
    parser.add_argument("--period-kind", default="all", choices=CALENDAR_KINDS,
                        help="only figures of this window length (default: all)")
    parser.add_argument("--measure", nargs="+", metavar="NAME", help="only these measures or indicators")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
