"""``python -m analytics demo``: build a database from the shipped demo inputs."""

from __future__ import annotations

import argparse

from analytics.cli import add_db_argument
from analytics.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    """Create the database (it must not hold data yet) and load the demo files."""
    from analytics import store
    from analytics.db import fetch_one
    from analytics.demo import DEMO_DIR, build_demo_database
    from analytics.roles import LOCAL_USER

    path = store.resolve_db_path(args.db)
    con = store.connect(path)
    if fetch_one(con, "store/loaded_counts")["batches"]:
        raise ConfigError(f"{path} already holds data; give a new file with --db PATH (or delete this one).")
    # A new database, as the local admin: like every command that administers the file itself (no --user;
    # tests/data/test_scope_cli.py EXEMPT), it needs write access to the file, which already grants everything.
    batch_ids = build_demo_database(con, user=LOCAL_USER)
    counts = fetch_one(con, "store/loaded_counts")
    print(f"demo database {path}: {len(batch_ids)} batches from {DEMO_DIR}, {counts['respondents']} respondents, "
          f"{counts['cases']} cases")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser("demo", help="build a database from the demo city in data/demo/",
                                   description="Load the demo city's input files through the ingestion pipeline "
                                               "into a new database.")
    add_db_argument(parser)
    parser.set_defaults(func=run)
