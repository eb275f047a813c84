"""``python -m analytics assess``: composite assessment scores per jurisdiction, ranked with intervals.

Prints the scores (CSV or JSON on stdout; the scheme's formula on stderr), or with ``--components`` one row
per jurisdiction x component (value, interval, points, target status), or with ``--officers`` the internal
measures per officer, or with ``--sensitivity`` the ranking with every respondent and without those excluded after
integrity alerts, side by side (issue 18). ``--format xlsx --out FILE`` writes the workbook (scores,
components, targets, formula), and that export is audited.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.choices import COMPARISONS, LEVELS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    """Assess, then print the table or write the workbook."""
    # The engine is imported here, not at the top: --help builds every parser and must stay light.
    from analytics import assessment, integrity, store
    from analytics.periods import period_kind

    out = Path(args.out).expanduser() if args.out else None
    if args.format == "xlsx" and (out is None or out.is_dir() or not out.parent.exists()):
        raise ConfigError("--format xlsx needs --out FILE.xlsx in an existing folder.")
    if args.format == "xlsx" and args.sensitivity:
        raise ConfigError("--sensitivity prints csv or json; the workbook holds the assessment itself.")
    con = open_store(args)
    try:
        sel = build_selection(con, args, period_kind=period_kind(args.period), period=args.period)
        user = sel.user
        result = assessment.assess(con, sel, args.scheme)
        labels = assessment.component_labels(con, args.lang)
        officers = assessment.officer_table(con, sel) if args.officers else None
        sensitivity = integrity.assessment_sensitivity(con, sel, result.scheme, every=result) \
            if args.sensitivity else None
    finally:
        con.close()
    print(assessment.formula_text(result.scheme, labels, args.lang), file=sys.stderr)
    if args.format == "xlsx" and out is not None:
        data = assessment.workbook_bytes(result, labels, args.lang)
        out.write_bytes(data)
        con = open_store(args, write=True)
        try:
            store.audit(con, user.username, "export.assessment", {"file": out.name, "scheme": result.scheme.name,
                                                                  "period": args.period, "level": args.level})
        finally:
            con.close()
        print(f"wrote {out} ({len(data)} bytes)", file=sys.stderr)
        return 0
    if sensitivity is not None:
        # Never silent: how many respondents are left out and where they are listed (and restored).
        print(f"{sensitivity.meta['n_excluded']} respondents excluded after integrity alerts are left out of the "
              "survey components on the right (score_kept, rank_kept); they are listed and can be restored on "
              "the Integrity page", file=sys.stderr)
        table = sensitivity.frame
    elif officers is not None:
        table = officers
    elif args.components:
        table = result.components
    else:
        table = result.scores
    for period, code, nxt in assessment.indistinguishable_pairs(result.scores):
        print(f"{period}: {code} and {nxt} cannot be told apart (difference within the 95% margin)",
              file=sys.stderr)
    print_table(args, con, user, table, args.format)  # con is closed already: the audit opens its own
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``assess`` command."""
    parser = subparsers.add_parser(
        "assess", help="composite assessment scores per jurisdiction with intervals and rank intervals",
        description="Score every jurisdiction of a level for one period with an assessment scheme (default: the "
                    "default scheme): score in points 0-100 with a 95% interval (delta method), rank with a "
                    "simulated 95% interval, change against the comparison period. The formula goes to stderr.")
    parser.add_argument("--scheme", metavar="NAME", help="a saved scheme (default: the default scheme)")
    parser.add_argument("--period", required=True, metavar="LABEL", help="2026Q3, 2026-03, 2026 or 2026-03R12")
    parser.add_argument("--level", default="station", choices=LEVELS)
    parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions")
    parser.add_argument("--weighted", action="store_true", help="survey components use the survey weights")
    parser.add_argument("--comparison", default="previous", choices=COMPARISONS)
    view = parser.add_mutually_exclusive_group()
    view.add_argument("--components", action="store_true", help="one row per jurisdiction x component")
    view.add_argument("--officers", action="store_true", help="internal measures per officer")
    view.add_argument("--sensitivity", action="store_true",
                      help="the ranking with every respondent and without those excluded after integrity alerts, "
                           "side by side (rank change, rank intervals)")
    parser.add_argument("--format", default="csv", choices=["csv", "json", "xlsx"])
    parser.add_argument("--out", metavar="FILE", help="the workbook to write (with --format xlsx)")
    parser.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of the formula and workbook")
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
