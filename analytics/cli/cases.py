"""``python -m analytics cases``: case-work metrics, the open loop and the self-report gap."""

from __future__ import annotations

import argparse

from analytics.choices import LEVELS, METRICS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.cli.indicators import parse_by


def run(args: argparse.Namespace) -> int:
    """Compute and print the requested table."""
    from analytics import cases, link

    con = open_store(args)
    if args.open_loop:
        sel = build_selection(con, args, period_kind="all")
        print_table(args, con, sel.user, cases.open_loop(con, sel), args.format)
        return 0
    kind = parse_by(args.by)
    # Pooled over every period (--by jurisdiction), a --period has nothing to choose.
    sel = build_selection(con, args, period_kind=kind, period=args.period if kind != "all" else None)
    if args.gap:
        table = link.self_report_gap(con, sel, indicator=args.survey_indicator)
    else:
        table = cases.case_metrics(con, sel, metrics=args.metric)
    print_table(args, con, sel.user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cases`` command."""
    parser = subparsers.add_parser(
        "cases", help="case-work metrics per jurisdiction and period (tidy table)",
        description="Print each case metric (solved rate, response and closing times, mediation, callback "
                    "coverage and satisfaction, petitions on time, rectification) per jurisdiction and period, "
                    "with its base n, Wilson interval for rates and small-base flag; suppressed values are "
                    "printed empty. --open-loop lists dissatisfied callbacks not yet rectified, oldest first; "
                    "--gap prints callback satisfaction minus survey satisfaction per jurisdiction. "
                    "Definitions: docs/cases.md.")
    parser.add_argument("--by", default="jurisdiction",
                        help="jurisdiction (all periods pooled) or jurisdiction,month|quarter|year|rolling12")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--metric", nargs="+", metavar="KEY", choices=list(METRICS),
                        help="only these metrics: " + ", ".join(METRICS))
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions (codes)")
    parser.add_argument("--period", metavar="LABEL", help="only this period, e.g. 2025Q3 (must match --by)")
    parser.add_argument("--open-loop", action="store_true",
                        help="list dissatisfied callbacks not yet rectified, oldest first, with days waited")
    parser.add_argument("--gap", action="store_true",
                        help="self-report gap: callback satisfaction minus survey satisfaction, z-test and flag")
    parser.add_argument("--survey-indicator", default="satisfaction", metavar="KEY",
                        help="survey indicator for --gap (default satisfaction)")
    parser.add_argument("--weighted", action="store_true", help="use survey weights for the survey side of --gap")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
