"""``python -m analytics link``: a case, prevention or voice metric against a survey indicator per jurisdiction.

Prints what the Link page shows: the jurisdictions with both figures (``link.link_table``), or with
``--correlation`` one row with Spearman's rho, its p-value and bootstrap interval over them
(``link.spearman``, the same seed as the page). Metric keys: a case metric's own key (``callback_satisfaction``),
``prevention.<name>`` or ``voice.<name>`` (``--metric`` lists them).
"""

from __future__ import annotations

import argparse

from analytics.choices import LEVELS, LINK_METRICS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.cli.indicators import parse_by


def run(args: argparse.Namespace) -> int:
    """Compute and print the linked table or its correlation."""
    import pandas as pd

    from analytics import link

    con = open_store(args)
    kind = parse_by(args.by)
    sel = build_selection(con, args, period_kind=kind, period=args.period if kind != "all" else None)
    table = link.link_table(con, sel, metric=args.metric, indicator=args.indicator)
    if args.correlation:
        corr = link.spearman(table["metric_value"], table["indicator_estimate"])
        table = pd.DataFrame([{
            "metric": args.metric, "indicator": args.indicator,
            "period": table["period"].iloc[0] if not table.empty else None,
            "rho": corr.rho, "p_value": corr.p_value, "ci_low": corr.ci_low, "ci_high": corr.ci_high,
            "n": corr.n, "n_boot": corr.n_boot}])
    print_table(args, con, sel.user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``link`` command."""
    parser = subparsers.add_parser(
        "link", help="a work metric against a survey indicator per jurisdiction (the Link page)",
        description="Relate a case-work, prevention or residents' voice metric to a survey indicator across "
                    "jurisdictions, in the latest period both have (or --period): the table of jurisdictions, "
                    "or --correlation for Spearman's rho with its p-value and bootstrap interval. "
                    "Suppressed figures on either side are left out.")
    parser.add_argument("--metric", default="callback_satisfaction", choices=list(LINK_METRICS), metavar="KEY",
                        help="x-metric: " + ", ".join(LINK_METRICS))
    parser.add_argument("--indicator", default="satisfaction", metavar="KEY", help="survey indicator")
    parser.add_argument("--by", default="jurisdiction",
                        help="jurisdiction (all periods pooled) or jurisdiction,month|quarter|year|rolling12")
    parser.add_argument("--period", metavar="LABEL", help="only this period, e.g. 2026Q1 (must match --by)")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions (codes)")
    parser.add_argument("--weighted", action="store_true", help="use survey weights for the survey side")
    parser.add_argument("--correlation", action="store_true",
                        help="print Spearman's rho, p-value and bootstrap interval instead of the table")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
