"""``python -m analytics compare``: funnel limits, shrunken estimates and rank intervals per jurisdiction."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from analytics.choices import LEVELS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.periods import period_kind

if TYPE_CHECKING:
    from analytics.result import Result


def summary_line(result: Result) -> str:
    """One line of context for stderr: the overall rate, units, suppressed units and over-dispersion."""
    a = result.meta
    overall = a.get("overall", float("nan"))
    parts = [f"{a.get('indicator')} {a.get('period')} by {a.get('level')}"
             + (" (weighted, base = n_eff)" if a.get("weighted") else " (unweighted, base = n)")]
    if a.get("peer_group"):
        parts.append(f"peer group {a['peer_group']}")
    parts.append(f"overall rate {100 * overall:.1f}% over {a.get('units', 0)} jurisdictions"
                 if overall == overall else "no overall rate (no unsuppressed jurisdiction)")
    if a.get("suppressed"):
        parts.append("suppressed (excluded): " + ", ".join(a["suppressed"]))
    phi = a.get("phi", float("nan"))
    if phi == phi:
        parts.append(f"overdispersion phi {phi:.2f} ({'significant' if a.get('phi_significant') else 'not significant'}"
                     f"; limits use phi = {a.get('phi_applied', 1.0):.2f})")
    if not a.get("shrinkage"):
        parts.append("no shrinkage (fewer than 3 unsuppressed jurisdictions)")
    return "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Compute and print the comparison table (CSV or JSON on stdout, a summary line on stderr)."""
    from analytics import compare

    con = open_store(args)
    sel = build_selection(con, args, period_kind=period_kind(args.period), period=args.period)
    result = compare.compare_table(con, sel, indicator=args.indicator, peer_group=args.peer_group,
                                   overdispersion=args.overdispersion)
    print(summary_line(result), file=sys.stderr)
    print_table(args, con, sel.user, result.frame, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command."""
    parser = subparsers.add_parser(
        "compare", help="compare jurisdictions: funnel limits, z, class, shrunken estimate, rank interval",
        description="For one indicator and period, print each jurisdiction's rate, base (n, or Kish n_eff when "
                    "weighted), 95% and 99.8% funnel limits around the pooled rate (Spiegelhalter 2005), z-score "
                    "and class, empirical-Bayes (beta-binomial) shrunken estimate and rank with a simulated 95% "
                    "interval. Suppressed jurisdictions are listed with class 'suppressed' and no numbers, and are "
                    "left out of the pooled rate, the shrinkage fit and the ranks.")
    parser.add_argument("--indicator", required=True, metavar="KEY", help="indicator key, e.g. satisfaction")
    parser.add_argument("--period", required=True, metavar="LABEL",
                        help="period label: 2026Q3, 2026-03, 2026, 2026-03R12 or all")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--weighted", action="store_true", help="use survey weights (base = Kish effective n)")
    parser.add_argument("--peer-group", metavar="NAME", help="compare only the members of this peer group")
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="compare only these jurisdictions")
    parser.add_argument("--overdispersion", action="store_true",
                        help="widen the funnel by Spiegelhalter's phi when over-dispersion is significant")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
