"""Export the demo database for fresh clones: ``python -m tools.demo_prebuilt``.

Builds the demo city from ``data/demo/`` through the ingestion pipeline (``analytics.demo``) in a
temporary database, with personal numbers hashed under ``analytics.demo.DEMO_SECRET``, and writes it to
``data/demo/prebuilt/`` (DuckDB EXPORT DATABASE as zstd Parquet, plus a manifest with the inputs'
digest). Run it after changing a demo input, a migration or ``analytics/demo.py``;
``tests/data/test_demo_prebuilt.py`` fails until you do.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Build the demo in a temporary file and export it to ``--out`` (default data/demo/prebuilt)."""
    from analytics import demo, store
    from analytics.ingest import pii
    from analytics.roles import LOCAL_USER

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=demo.PREBUILT_DIR)
    args = parser.parse_args(argv)
    os.environ[pii.SECRET_ENV] = demo.DEMO_SECRET
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "demo.duckdb")
        try:
            demo.build_demo_database(con, user=LOCAL_USER)
            demo.export_prebuilt(con, args.out)
        finally:
            con.close()
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"demo export {args.out}: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
