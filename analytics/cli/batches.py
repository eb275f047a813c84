"""``python -m analytics batches``: list loaded batches, remove one, or export one survey batch's respondents.

``list`` needs a role that sees every jurisdiction (a batch's file name and size can describe another
station's own survey); ``remove`` needs the admin role; ``export`` (respondent-level rows without personal
data) needs the analyst or admin role and is audited. Once accounts exist, ``--user NAME`` with its
password (or ``--token-file``) proves who acts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.cli import add_db_argument, add_user_argument, audit_export, open_store, print_table, resolve_user
from analytics.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    """List batches (CSV or JSON on stdout), remove one, or export one batch's respondents."""
    from analytics.ingest.batches import list_batches, remove_batch, respondent_export
    from analytics.output import render

    con = open_store(args, write=args.action in ("remove", "export"))  # export is audited
    user = resolve_user(con, args)
    if args.action in ("remove", "export") and args.batch_id is None:
        print(f"error: batches {args.action} needs the batch id", file=sys.stderr)
        return 2
    if args.action == "remove":
        counts = remove_batch(con, args.batch_id, user=user)
        print(f"Removed batch {args.batch_id}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
        return 0
    if args.action == "export":
        out = Path(args.out).expanduser() if args.out else None
        if out is not None and (out.is_dir() or not out.parent.exists()):
            raise ConfigError(f"--out {out}: give a file name in an existing folder.")
        frame = respondent_export(con, args.batch_id, user)
        text = render(frame, args.format)
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
            print(f"wrote {out}", file=sys.stderr)
        audit_export(args, con, user, len(frame), read_only=False)  # besides the engine's export.respondents
        return 0
    user.require("view_all")
    print_table(args, con, user, list_batches(con), args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``batches`` command."""
    parser = subparsers.add_parser(
        "batches", help="list loaded batches, remove one, or export one survey batch's respondents",
        description="List every batch (source, kind, rows, time, status), newest first; remove one batch (its "
                    "respondents, answers and case rows are deleted in one audited transaction; admins); or "
                    "export one survey batch's respondents, one row each with the answer codes per item and "
                    "without personal data (analysts and admins; audited).")
    parser.add_argument("action", nargs="?", default="list", choices=["list", "remove", "export"])
    parser.add_argument("batch_id", nargs="?", type=int, metavar="ID")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    parser.add_argument("--out", metavar="FILE", help="export: write to this file instead of standard output")
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
