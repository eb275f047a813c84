"""What storing survey answers wide would buy and cost (issue 20.4): writes and the engine's reads, measured.

The store keeps answers long (``answers``: one row per respondent and item). The alternative the issue names is
one row per respondent with one column per item, the long shape kept as a view for the engine's queries. This
script measures both on the same rows of a loaded store, in one process, interleaved, ``--repeat`` times:

* **write**: the batch's answers written into the database file, long (N x items rows of 4 columns) against wide
  (N rows of 2 + items columns), each from an in-memory copy and with its ``CHECKPOINT`` (the bytes reach the file);
* **read**: query shapes the engine runs over ``answers`` — every answer counted by item and code, one item's
  answers, answers joined to their respondents and grouped by station, and the indicator cells
  (``sql/indicators/cells_macro.sql``, the cell refresh of every load and definition change, run as written with
  ``answers`` replaced by the table or view under test) — over the long table and over the long *view* of the
  wide table (``unnest`` of the item names and the item columns, blanks left out, as a view must give them).

The store is copied first (``--scratch``) and never written. Wall and CPU seconds (every DuckDB thread) per step;
medians, and each read's result compared between the two shapes (the same rows must come back).

Usage::

    python benchmarks/wide_answers.py --db benchmarks/data/work/bench_3000000.duckdb --repeat 3 \\
        --out benchmarks/results_wide_answers_3m.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from analytics.sqlfiles import load_sql  # noqa: E402
from benchmarks.run import machine  # noqa: E402

READS = {
    "count_by_item_code": "SELECT item, code, count(*) AS n FROM {src} GROUP BY ALL ORDER BY ALL",
    "one_item": "SELECT code, count(*) AS n FROM {src} WHERE item = 'satisfaction' GROUP BY ALL ORDER BY ALL",
    "join_respondents": ("SELECT r.jurisdiction_code, a.item, a.code, count(*) AS n, sum(r.weight) AS w "
                         "FROM {src} a JOIN respondents r USING (respondent_key) GROUP BY ALL ORDER BY ALL"),
    "indicator_cells": "SELECT * FROM jm_cells_{name}(NULL) ORDER BY ALL",
}


def _timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, float, list[tuple[Any, ...]]]:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def _same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Equal rows, floats to 1e-9 relative (sums over the two shapes add in different orders)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float):
                if abs(u - v) > 1e-9 * max(1.0, abs(u), abs(v)):
                    return False
            elif u != v:
                return False
    return True


def measure(db: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    """Copy ``db`` to ``scratch`` and measure the writes and reads described in the module docstring."""
    shutil.copyfile(db, scratch)
    con = duckdb.connect(str(scratch))
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = '3GB'")
    items = [r[0] for r in con.execute("SELECT DISTINCT item FROM answers ORDER BY item").fetchall()]
    n_answers, n_resp = con.execute("SELECT count(*), count(DISTINCT respondent_key) FROM answers").fetchall()[0]
    # Benchmark-only SQL built from the store's own item names, quoted; no user input reaches it.
    quoted = ['"' + i.replace('"', '""') + '"' for i in items]
    names = ", ".join("'" + i.replace("'", "''") + "'" for i in items)
    pivot = ", ".join(f"max(code) FILTER (WHERE item = '{i}') AS {q}" for i, q in zip(items, quoted, strict=True))
    con.execute("CREATE TEMP TABLE long_src AS SELECT * FROM answers")
    con.execute("CREATE TEMP TABLE wide_src AS SELECT respondent_key, any_value(batch_id) AS batch_id, " + pivot
                + " FROM answers GROUP BY respondent_key ORDER BY respondent_key")
    out: dict[str, Any] = {"items": len(items), "answers": n_answers, "respondents": n_resp,
                           "write": {"long": [], "wide": []}, "read": {}}
    for _ in range(repeat):
        for shape in ("long", "wide"):
            wall, cpu, _rows = _timed(con, f"CREATE OR REPLACE TABLE x_{shape} AS SELECT * FROM {shape}_src")
            w2, c2, _rows = _timed(con, "CHECKPOINT")
            out["write"][shape].append({"wall_s": round(wall + w2, 3), "cpu_s": round(cpu + c2, 3)})
    con.execute("CREATE OR REPLACE VIEW x_view AS SELECT respondent_key, batch_id, item, code FROM ("
                f"SELECT respondent_key, batch_id, unnest([{names}]) AS item, unnest([{', '.join(quoted)}]) AS code "
                "FROM x_wide) WHERE code IS NOT NULL")
    cells = load_sql("indicators/cells_macro")
    assert cells.count("FROM answers a") == 1
    for name, src in (("long", "x_long"), ("view", "x_view")):
        con.execute(cells.replace("jm_cells(batch)", f"jm_cells_{name}(batch)").replace("FROM answers a",
                                                                                          f"FROM {src} a"))
    for read, template in READS.items():
        runs: dict[str, list[dict[str, float]]] = {"long": [], "view": []}
        results = {}
        for _ in range(repeat):
            for name, src in (("long", "x_long"), ("view", "x_view")):
                wall, cpu, rows = _timed(con, template.format(src=src, name=name))
                runs[name].append({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)})
                results[name] = rows
        out["read"][read] = {**runs, "same_result": _same(results["long"], results["view"]),
                             "rows": len(results["long"])}
    con.close()
    scratch.unlink()
    return out


def _median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main(argv: list[str] | None = None) -> int:
    """Measure, print a table of medians, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a loaded Jingmin store (copied, never written)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/jingmin_wide_answers.duckdb"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load = os.getloadavg()
    result = measure(args.db, args.scratch, args.repeat)
    result.update(started=started, finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  loadavg_before=[round(x, 2) for x in load], loadavg_after=[round(x, 2) for x in os.getloadavg()],
                  machine=machine(), repeat=args.repeat, db=str(args.db))
    print(f"{result['respondents']:,} respondents, {result['answers']:,} answers, {result['items']} items")
    print(f"{'step':<22}{'long wall':>10}{'cpu':>8}{'wide wall':>11}{'cpu':>8}")
    w = result["write"]
    print(f"{'write':<22}{_median(w['long'], 'wall_s'):>10}{_median(w['long'], 'cpu_s'):>8}"
          f"{_median(w['wide'], 'wall_s'):>11}{_median(w['wide'], 'cpu_s'):>8}")
    for read, r in result["read"].items():
        print(f"{read:<22}{_median(r['long'], 'wall_s'):>10}{_median(r['long'], 'cpu_s'):>8}"
              f"{_median(r['view'], 'wall_s'):>11}{_median(r['view'], 'cpu_s'):>8}"
              f"  same result: {r['same_result']} ({r['rows']} rows)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
