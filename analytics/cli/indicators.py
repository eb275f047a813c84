"""``python -m analytics indicators``: the tidy indicator table on stdout."""

from __future__ import annotations

import argparse

from analytics.choices import LEVELS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.errors import UnknownNameError
from analytics.periods import PERIOD_KINDS, WAVE_KIND


def parse_by(text: str) -> str:
    """``jurisdiction`` pools all periods ('all'); ``jurisdiction,quarter`` etc. split by period."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or parts[0] != "jurisdiction" or len(parts) > 2:
        raise UnknownNameError(f"--by {text!r}: use jurisdiction or jurisdiction,PERIOD "
                               "with PERIOD one of month, quarter, year, rolling12, wave")
    if len(parts) == 1:
        return "all"
    if parts[1] not in PERIOD_KINDS or parts[1] == "all":
        raise UnknownNameError(f"--by {text!r}: unknown period {parts[1]!r}; use month, quarter, year, rolling12 "
                               "or wave")
    return parts[1]


def run(args: argparse.Namespace) -> int:
    """Compute and print the table."""
    from analytics import engine, waves

    kind = parse_by(args.by)
    con = open_store(args)
    if args.period and kind == WAVE_KIND and args.period not in waves.wave_labels(con):
        raise UnknownNameError(f"--period {args.period!r} is not a survey wave of the loaded data; waves: "
                               + (", ".join(waves.wave_labels(con)) or "none") + ".")
    sel = build_selection(con, args, period_kind=kind, period=args.period)
    table = engine.indicator_table(con, sel, indicators=args.indicator, changes=bool(args.changes))
    print_table(args, con, sel.user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``indicators`` command."""
    parser = subparsers.add_parser(
        "indicators", help="indicator estimates per jurisdiction and period (tidy table)",
        description="Print n, n_eff, estimate, se and interval of each indicator per jurisdiction and period. "
                    "Suppressed estimates (small effective base) are printed empty with flag 'suppressed'.")
    parser.add_argument("--by", default="jurisdiction",
                        help="jurisdiction (all periods pooled) or jurisdiction,month|quarter|year|rolling12|wave "
                             "(wave: one row per survey wave, in wave order)")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--indicator", nargs="+", metavar="KEY", help="only these indicators")
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions (codes)")
    parser.add_argument("--period", metavar="LABEL", help="only this period, e.g. 2025Q3 (must match --by)")
    parser.add_argument("--weighted", action="store_true",
                        help="use survey weights: Taylor-linearised se, logit interval, Kish n_eff and deff")
    parser.add_argument("--changes", choices=["previous", "year"],
                        help="add change vs the previous period or the same period a year earlier (z-test, BH); "
                             "with --by jurisdiction,wave both mean the previous wave")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
