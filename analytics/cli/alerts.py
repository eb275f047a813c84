"""``python -m analytics alerts``: the alerts digest of one period (issue 15.5), for people or a scheduled job.

Always exits 0 when the digest could be made, whether or not it lists anything, and prints rows in a
stable order (see :mod:`analytics.alerts`), so a job can diff today's output with yesterday's.
"""

from __future__ import annotations

import argparse
import sys

from analytics.choices import ALERT_CALLBACK_DAYS, COMPARISONS, LEVELS
from analytics.cli import add_db_argument, add_user_argument, audit_export, build_selection, open_store, print_table
from analytics.i18n import LANGUAGES, t
from analytics.periods import period_kind


def run(args: argparse.Namespace) -> int:
    """Compute and print the digest."""
    from analytics import alerts  # the engine is imported by the command, not by --help (issue 14.6)
    from analytics.definitions import list_indicators

    con = open_store(args)
    sel = build_selection(con, args, period_kind=period_kind(args.period), period=args.period)
    table = alerts.alerts(con, sel, days=args.days)
    if args.format != "text":
        print_table(args, con, sel.user, table, args.format)
        return 0
    labels = {ind.key: ind.label(args.lang) for ind in list_indicators(con)}
    lines = [t("alerts.title", args.lang) + f" {args.period}"]
    lines += [f"- [{t('alerts.kind.' + row['kind'], args.lang)}] " + alerts.alert_text(row, args.lang, labels)
              for row in table.to_dict("records")] or [t("alerts.none", args.lang)]
    # Plain sentences for a person or a mail job, not a table: nothing a spreadsheet would evaluate.
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    audit_export(args, con, sel.user, len(table))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``alerts`` command."""
    parser = subparsers.add_parser(
        "alerts", help="what a leader should know this period: significant falls, targets missed, below "
                       "average, newly suppressed, dissatisfied callbacks not rectified",
        description="List this period's alerts at one level: significant falls against the comparison period "
                    "(Benjamini-Hochberg adjusted), assessment targets missed (the whole 95% interval on the wrong "
                    "side of the target), jurisdictions significantly below the level average, cells "
                    "suppressed now that were shown before, and dissatisfied callbacks not rectified after "
                    "--days days. Exit code 0 whether or not anything is listed; rows in a stable order.")
    parser.add_argument("--period", required=True, metavar="LABEL",
                        help="the period, e.g. 2026Q3, 2026-09, 2026 or 2026-09R12")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions (codes)")
    parser.add_argument("--comparison", default="previous", choices=COMPARISONS,
                        help="compare with the previous period (default) or the same period a year earlier")
    parser.add_argument("--weighted", action="store_true", help="use survey weights")
    parser.add_argument("--days", type=int, default=ALERT_CALLBACK_DAYS,
                        help=f"callback deadline in days (default {ALERT_CALLBACK_DAYS})")
    parser.add_argument("--format", default="text", choices=["text", "csv", "json"])
    parser.add_argument("--lang", default="zh", choices=LANGUAGES, help="language of --format text (default zh)")
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
