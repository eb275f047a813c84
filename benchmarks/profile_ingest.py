"""Profile one survey ingest: wall time of every SQL statement the pipeline runs, and a cProfile summary.

Usage::

    JINGMIN_SECRET=... python benchmarks/profile_ingest.py FILE [--db /tmp/profile.duckdb] [--top 25]

The statement timings come from wrapping ``analytics.db.run`` (every generated statement) and
``analytics.db.execute`` (the named ``ingest/*.sql`` scripts, one timing per script) where the stage modules
look them up; cursor ``execute`` calls made directly by the pipeline are visible in the cProfile listing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from analytics.roles import LOCAL_USER  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Ingest FILE into a fresh database with the benchmark jurisdictions and print where the time went."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", type=Path, default=Path("/tmp/jingmin_profile.duckdb"))
    parser.add_argument("--jurisdictions", type=Path, default=HERE / "data" / "jurisdictions.csv")
    parser.add_argument("--kind", default="survey")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    from analytics import db, store
    from analytics.ingest import checks, ingest_file, load, pipeline, plan, raw, typed
    from benchmarks.run import _registry_db, cpu_seconds, peak_rss_mb

    _registry_db(args.db, args.jurisdictions)
    timings: list[tuple[float, float, str]] = []
    original_run, original_execute = db.run, db.execute

    def timed_run(con: Any, sql: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = original_run(con, sql, params, **kwargs)
        timings.append((time.perf_counter() - start, cpu_seconds() - cpu, " ".join(sql.split())[:150]))
        return result

    def timed_execute(con: Any, name: str, params: dict[str, Any] | None = None) -> None:
        start, cpu = time.perf_counter(), cpu_seconds()
        original_execute(con, name, params)
        timings.append((time.perf_counter() - start, cpu_seconds() - cpu, f"(named file {name})"))

    # Each stage module imported run/execute by name from analytics.db: replace them where they are looked up.
    for module in (db, pipeline, plan, raw, typed, checks, load):
        if hasattr(module, "run"):
            module.run = timed_run  # type: ignore[attr-defined]
        if hasattr(module, "execute"):
            module.execute = timed_execute  # type: ignore[attr-defined]
    con = store.connect(args.db)
    profiler = cProfile.Profile()
    start, cpu_start = time.perf_counter(), cpu_seconds()
    profiler.enable()
    ingest_file(con, args.kind, args.file, constants={"mode": "phone"} if args.kind == "survey" else None,
                user=LOCAL_USER)
    con.close()
    profiler.disable()
    total = time.perf_counter() - start
    print(f"CPU {cpu_seconds() - cpu_start:.2f} s (all threads)")
    print(f"total {total:.2f} s, peak RSS {peak_rss_mb():.0f} MB; SQL through analytics.db.run/execute: "
          f"{sum(t for t, _c, _s in timings):.2f} s ({sum(c for _t, c, _s in timings):.2f} CPU s) in {len(timings)} "
          "statements; columns: wall s, CPU s (all threads)")
    for seconds, cpu, sql in sorted(timings, reverse=True)[: args.top]:
        print(f"{seconds:8.2f} {cpu:8.2f}  {sql}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
