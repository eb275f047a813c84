"""``python -m analytics batches``: list loaded batches, or remove one (exactly its rows, audited)."""

from __future__ import annotations

import argparse
import sys

from analytics import store
from analytics.cli import add_db_argument
from analytics.ingest import list_batches, remove_batch
from analytics.output import render


def run(args: argparse.Namespace) -> int:
    """List batches (CSV or JSON on stdout) or remove one."""
    con = store.connect(args.db)
    if args.action == "remove":
        if args.batch_id is None:
            print("error: batches remove needs the batch id", file=sys.stderr)
            return 2
        counts = remove_batch(con, args.batch_id, actor=args.actor)
        print(f"Removed batch {args.batch_id}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
        return 0
    sys.stdout.write(render(list_batches(con), args.format))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``batches`` command."""
    parser = subparsers.add_parser(
        "batches", help="list loaded batches or remove one",
        description="List every batch (source, kind, rows, time, status), newest first; or remove one batch: "
                    "its respondents, answers and case rows are deleted in one audited transaction.")
    parser.add_argument("action", nargs="?", default="list", choices=["list", "remove"])
    parser.add_argument("batch_id", nargs="?", type=int, metavar="ID")
    parser.add_argument("--format", default="csv", choices=["csv", "json"])
    parser.add_argument("--actor", default="local", help="name recorded in the audit log")
    add_db_argument(parser)
    parser.set_defaults(func=run)
