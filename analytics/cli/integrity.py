"""``python -m analytics integrity``: response-integrity flags per unit for one period, with evidence in words
(``integrity flags``, the default), and for analysts and admins the two respondent lists of the Integrity page:
the respondents behind the alerts (``integrity rows``) and the exclusions from the sensitivity view
(``integrity exclusions``), with the same columns as the page."""

from __future__ import annotations

import argparse
import sys

from analytics.choices import LEVELS
from analytics.cli import add_db_argument, add_user_argument, build_selection, open_store, print_table
from analytics.errors import UnknownNameError
from analytics.i18n import LANGUAGES
from analytics.periods import period_kind


def _period(args: argparse.Namespace) -> str:
    """``--period``, which ``flags`` and ``rows`` need (the parser cannot require it on the group: the actions'
    own ``--period`` would be reported missing at the group)."""
    if not args.period:
        raise UnknownNameError("Integrity checks need a period, e.g. --period 2026Q3.", key="integrity.need_period")
    return str(args.period)


def run(args: argparse.Namespace) -> int:
    """Print the flags (every check's row per unit, a count of flags on stderr), the respondents behind the
    alerts, or the exclusions, as CSV or JSON on stdout."""
    from analytics import integrity  # the engine is imported by the command, not by --help (issue 14.6)

    con = open_store(args)
    if args.action == "exclusions":
        # As on the page: every exclusion at the stations the user may see, whatever the period (restored too).
        sel = build_selection(con, args, period_kind="all")
        table = integrity.exclusions_shown(integrity.exclusions(con, sel), args.lang)
        active = int(table["active"].sum()) if not table.empty else 0
        print(f"integrity exclusions: {active} active, {len(table) - active} restored", file=sys.stderr)
        print_table(args, con, sel.user, table, args.format)
        return 0
    period = _period(args)
    sel = build_selection(con, args, period_kind=period_kind(period), period=period)
    flags = integrity.integrity_flags(con, sel)
    if args.action == "rows":
        # The engine checks the permission (integrity: analysts and admins) and the user's scope.
        rows = integrity.flagged_rows(con, sel, unit=args.unit, flags=flags)
        print(f"integrity rows {period} by {args.level}: {len(rows)} respondents behind alerts, "
              f"{int(rows['excluded'].sum())} excluded", file=sys.stderr)
        print_table(args, con, sel.user, integrity.rows_shown(rows, sel.level, args.lang), args.format)
        return 0
    flags = integrity.with_evidence(flags, args.lang)
    counts = flags["flag"].value_counts()
    print(f"integrity {period} by {args.level}: " + ", ".join(
        f"{counts.get(f, 0)} {f}" for f in reversed(integrity.FLAGS)) + f" over {len(flags)} unit checks",
        file=sys.stderr)
    if args.flagged_only:
        flags = flags[flags["flag"] != "ok"]
    columns = [c for c in integrity.FLAG_COLUMNS if c not in ("evidence_key", "evidence_params")] + ["evidence"]
    print_table(args, con, sel.user, flags[columns].reset_index(drop=True), args.format)
    return 0


def _selection_options(parser: argparse.ArgumentParser, *, period: bool = True) -> None:
    if period:
        parser.add_argument("--period", metavar="LABEL", help="period label: 2026Q3, 2026-03, 2026, 2026-03R12 or all "
                                                              "(required)")
        parser.add_argument("--level", default="station", choices=LEVELS)
        parser.add_argument("--jurisdiction", nargs="+", metavar="CODE", help="only these jurisdictions")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    add_db_argument(parser)
    add_user_argument(parser)


def _flags_options(parser: argparse.ArgumentParser) -> None:
    _selection_options(parser)
    parser.add_argument("--flagged-only", action="store_true", help="print only rows at watch or alert")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the evidence column")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``integrity`` command (``flags`` by default, ``rows``, ``exclusions``)."""
    parser = subparsers.add_parser(
        "integrity", help="response integrity: straight-lining, bursts, duration, repeats, interviewer effects, "
                          "too-perfect rates, self-report gap and callback selection, flagged ok/watch/alert; "
                          "flags | rows | exclusions",
        description="For one period, run the eight integrity checks per unit (jurisdiction at the level, and each "
                    "interviewer and channel within one), each with its null model's p-value, Benjamini–Hochberg "
                    "adjusted across units (q), the flag (alert: q < 0.01 and a large enough effect; watch: "
                    "q < 0.05) and the evidence in words ('integrity flags', the default). Analysts and admins: "
                    "'integrity rows' prints the respondents behind the alerts and 'integrity exclusions' the "
                    "respondents excluded from the sensitivity view, as the Integrity page lists them.")
    _flags_options(parser)
    parser.set_defaults(func=run, action="flags")
    actions = parser.add_subparsers(dest="action", required=False, metavar="ACTION")
    flags = actions.add_parser("flags", help="every check's row per unit with its flag and evidence (the default)")
    _flags_options(flags)
    rows = actions.add_parser(
        "rows", help="the respondents behind the alerts (analyst, admin)",
        description="The respondents behind the period's alerts (straight-lining, duration, repeats, bursts), with "
                    "what each check saw, which alert names them and whether they are excluded: the Integrity "
                    "page's list. Columns: respondent_id, batch_id, unit (the district or city above station "
                    "level; at station level it would repeat the station), station, community (the village or "
                    "community by name in --lang, blank for a station's own respondents), interviewer, channel, "
                    "interview_date, interview_start, duration_min, n_items, n_top, straight, sat_top, too_fast, "
                    "is_repeat, f_straight, f_duration, f_repeat, f_burst, excluded. Analysts and admins only.")
    _selection_options(rows)
    rows.add_argument("--unit", metavar="CODE", help="only the respondents of this jurisdiction at the level "
                                                     "(default: every unit at alert)")
    rows.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the community names")
    exclusions = actions.add_parser(
        "exclusions", help="respondents excluded from the sensitivity view, active and restored (analyst, admin)",
        description="Every exclusion from the sensitivity view, newest first, active and restored, at the "
                    "stations you may see: the Integrity page's list. Columns: exclusion_id, respondent_id, "
                    "batch_id, station, community, interview_date, period, reason (the alerted checks by name in "
                    "--lang), excluded_by, excluded_at, restored_by, restored_at, active. Analysts and admins only.")
    _selection_options(exclusions, period=False)
    exclusions.add_argument("--lang", default="en", choices=LANGUAGES,
                            help="language of the community names and reasons")
    for sub in (flags, rows, exclusions):
        sub.set_defaults(func=run)
