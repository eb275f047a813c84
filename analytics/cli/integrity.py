"""``python -m analytics integrity``: response-integrity flags per unit for one period, with evidence in words."""

from __future__ import annotations

import argparse
import sys

from analytics.choices import LEVELS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.i18n import LANGUAGES
from analytics.periods import period_kind


def run(args: argparse.Namespace) -> int:
    """Print every check's row per unit (CSV or JSON on stdout) and a count of flags on stderr."""
    from analytics import integrity  # the engine is imported by the command, not by --help (issue 14.6)

    con = open_store(args)
    sel = build_selection(con, args, period_kind=period_kind(args.period), period=args.period)
    flags = integrity.with_evidence(integrity.integrity_flags(con, sel), args.lang)
    counts = flags["flag"].value_counts()
    print(f"integrity {args.period} by {args.level}: " + ", ".join(
        f"{counts.get(f, 0)} {f}" for f in reversed(integrity.FLAGS)) + f" over {len(flags)} unit checks",
        file=sys.stderr)
    if args.flagged_only:
        flags = flags[flags["flag"] != "ok"]
    columns = [c for c in integrity.FLAG_COLUMNS if c not in ("evidence_key", "evidence_params")] + ["evidence"]
    print_table(args, con, sel.user, flags[columns].reset_index(drop=True), args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``integrity`` command."""
    parser = subparsers.add_parser(
        "integrity", help="response integrity: straight-lining, bursts, duration, repeats, interviewer effects, "
                          "too-perfect rates, self-report gap and callback selection, flagged ok/watch/alert",
        description="For one period, run the eight integrity checks per unit (jurisdiction at the level, and each "
                    "interviewer and channel within one), each with its null model's p-value, Benjamini–Hochberg "
                    "adjusted across units (q), the flag (alert: q < 0.01 and a large enough effect; watch: "
                    "q < 0.05) and the evidence in words. Respondent rows are not printed: analysts see them on "
                    "the Integrity page.")
    parser.add_argument("--period", required=True, metavar="LABEL",
                        help="period label: 2026Q3, 2026-03, 2026, 2026-03R12 or all")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions")
    parser.add_argument("--flagged-only", action="store_true", help="print only rows at watch or alert")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the evidence column")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
