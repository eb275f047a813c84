"""``python -m analytics drivers``: key-driver analysis of a survey indicator on the service items."""

from __future__ import annotations

import argparse

from analytics import choices
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.periods import period_kind


def run(args: argparse.Namespace) -> int:
    """Compute and print the driver table."""
    from analytics import drivers

    con = open_store(args)
    # The respondents interviewed within --period (from its first to its last day), or all of them.
    sel = build_selection(con, args, period_kind=period_kind(args.period) if args.period else "all",
                          period=args.period)
    table = drivers.key_drivers(
        con, sel, indicator=args.indicator, items=args.items, by=args.by, method=args.method,
        n_boot=args.bootstrap, seed=args.seed, max_sample=args.max_sample)
    print_table(args, con, sel.user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``drivers`` command."""
    parser = subparsers.add_parser(
        "drivers", help="key-driver analysis: relative importance and performance of service items",
        description="Relative importance (share of explained variance, LMG/Shapley or Johnson's relative "
                    "weights, bootstrap intervals) of each service item for the indicator's item, with its "
                    "top-2-box performance, importance-performance quadrant and improvement priority.")
    parser.add_argument("--indicator", default="satisfaction", metavar="KEY",
                        help="outcome indicator; its item is scored by numeric answer code (default satisfaction)")
    parser.add_argument("--by", choices=list(choices.GROUP_LEVELS), default=None,
                        help="one analysis per district or station (default: one overall)")
    parser.add_argument("--items", nargs="+", metavar="ITEM",
                        help="driver items (default: " + ", ".join(choices.DEFAULT_DRIVER_ITEMS) + " if answered)")
    parser.add_argument("--method", choices=list(choices.METHODS), default="lmg")
    parser.add_argument("--bootstrap", type=int, default=choices.DEFAULT_BOOT, metavar="B",
                        help=f"bootstrap replicates (default {choices.DEFAULT_BOOT}; 0 = no intervals)")
    parser.add_argument("--seed", type=int, default=choices.DEFAULT_SEED)
    parser.add_argument("--max-sample", type=int, default=choices.DEFAULT_MAX_SAMPLE, metavar="N",
                        help="respondents per group the bootstrap resamples (default 20000)")
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only respondents under these codes")
    parser.add_argument("--period", metavar="LABEL", help="only interviews in this period, e.g. 2025Q3 or 2025")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
