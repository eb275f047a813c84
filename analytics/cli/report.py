"""``python -m analytics report``: the forum report (PowerPoint or HTML) for one jurisdiction and period."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, resolve_user
from analytics.errors import ConfigError, UnknownNameError
from analytics.i18n import LANGUAGES
from analytics.periods import CALENDAR_KINDS, WAVE_KIND, period_kind

FORMATS = ("pptx", "html")
BY_KINDS = tuple(k for k in CALENDAR_KINDS if k != "all") + (WAVE_KIND,)


def report_kind(by: str | None, period: str) -> str:
    """The period kind of the report: ``--by`` (``wave`` or ``jurisdiction,wave`` as ``indicators`` takes it, or a
    calendar kind), or without it the kind of the ``--period`` label (calendar labels only)."""
    if by is None:
        return period_kind(period)
    kind = by.split(",", 1)[1].strip() if by.strip().startswith("jurisdiction,") else by.strip()
    if kind not in BY_KINDS:
        raise UnknownNameError(f"--by {by!r}: use one of {', '.join(BY_KINDS)} (or jurisdiction,KIND as for "
                               "`indicators`).")
    return kind


def run(args: argparse.Namespace) -> int:
    """Build the report and write it to ``--out``."""
    from analytics import forum, report, store

    out = Path(args.out).expanduser()
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name such as {out / ('forum.' + args.format)}")
    if not out.parent.exists():
        raise ConfigError(f"--out: the folder {out.parent} does not exist.")
    con = open_store(args)
    try:
        user = resolve_user(con, args)
        # --jurisdiction names the forum's place: not a filter of the jurisdictions its changes are tested among.
        # A survey wave (--by wave) is checked against the loaded waves by forum_summary, which names them.
        sel = build_selection(con, args, period_kind=report_kind(args.by, args.period), period=args.period,
                              jurisdiction_codes=())
        summary = forum.forum_summary(con, sel, args.jurisdiction, args.lang)
        if args.benchmark:
            summary = forum.with_benchmark(con, summary, args.benchmark, args.benchmark_area)
        if args.with_assessment:
            summary = forum.with_assessment(con, summary, user=sel.user, scheme=args.scheme)
    finally:
        con.close()
    data = report.render(summary, args.format)
    out.write_bytes(data)
    # The read above was read-only so the dashboard kept working meanwhile; only the audit entry locks.
    con = open_store(args, write=True)
    try:
        detail = {"file": out.name, "jurisdiction": args.jurisdiction, "period": args.period, "format": args.format}
        if summary.period_kind == WAVE_KIND:
            detail["by"] = WAVE_KIND
        # The additions are named only when asked for, so a plain report's entry reads as before.
        if args.benchmark:
            detail["benchmark"] = args.benchmark + (f" · {args.benchmark_area}" if args.benchmark_area else "")
        if args.with_assessment:
            detail["assessment"] = args.scheme or "default"
        store.audit(con, user.username, "export.report", detail)
    finally:
        con.close()
    print(f"wrote {out} ({len(data)} bytes)", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report", help="forum report (PowerPoint with native charts, or self-contained HTML)",
        description="Write the police–residents forum report for one jurisdiction and period: key figures with "
                    "intervals and changes in plain words, comparison with district and city, trends, case work "
                    "and 'you said, we did'. Every survey number equals `python -m analytics indicators` for "
                    "the same selection; suppressed (small-sample) rates are shown as suppressed.")
    parser.add_argument("--jurisdiction", required=True, metavar="CODE", help="jurisdiction code, e.g. S03")
    parser.add_argument("--period", required=True, metavar="LABEL",
                        help="period label: 2026Q3, 2026-09, 2026 or 2026-09R12 (granularity follows the label), "
                             "or with --by wave a survey wave's label such as FY22Q1")
    parser.add_argument("--by", metavar="KIND",
                        help="period granularity: wave (survey waves, compared with the wave before whatever the "
                             "gap; also jurisdiction,wave as `indicators` takes it) or month, quarter, year, "
                             "rolling12 (default: follows --period)")
    parser.add_argument("--lang", default="zh", choices=LANGUAGES, help="language of titles, text and notes")
    parser.add_argument("--format", default="pptx", choices=FORMATS)
    parser.add_argument("--out", required=True, metavar="FILE", help="file to write")
    parser.add_argument("--weighted", action="store_true", help="use survey weights (as the dashboard's toggle)")
    parser.add_argument("--benchmark", metavar="ROOT",
                        help="add a published benchmark: the publisher's root, e.g. 'London (MPS)' (see `results`)")
    parser.add_argument("--benchmark-area", default="", metavar="CODE",
                        help="an area under --benchmark (default: the root's whole area)")
    parser.add_argument("--with-assessment", action="store_true",
                        help="add the assessment: score and rank with intervals, target statuses, the formula")
    parser.add_argument("--scheme", metavar="NAME", help="assessment scheme (default: the default scheme)")
    parser.add_argument("--changes", choices=["previous", "year"], default="previous",
                        help="compare with the previous period (default) or the same period a year earlier, "
                             "as the dashboard's 'compared with' choice")
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
