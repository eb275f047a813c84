"""Whole-process benchmark of the command line (issue 20.1), with an analyst's pandas script as the baseline.

Each measurement is one fresh process, timed from start to exit by the parent (interpreter start, imports,
query, CSV written to a file): exactly what a person typing the command waits for. The tasks run
``--repeat`` times, interleaved, with the load average recorded before each run, and the medians and the
ratio to the baseline are taken from the same run:

* ``help`` — ``python -m analytics --help``;
* ``indicators`` — ``python -m analytics indicators --by jurisdiction,month --level station --format csv``;
* ``compare`` — ``python -m analytics compare --indicator satisfaction --period <latest quarter>`` (every
  station: funnel limits, over-dispersion, shrinkage, 2,000-draw rank intervals);
* ``pandas`` — ``benchmarks/analyst_indicators.py``: the same indicator table from the same respondents
  read from Parquet, computed and written with pandas (imports pandas, numpy and scipy.stats).

Untimed preparation: the benchmark store ``benchmarks/data/work/bench_N.duckdb`` (one ingest of the
generated survey, as ``run.py`` builds it), the respondents as Parquet (one row each, station, interview
date and the answer code of every item) and the indicators' scoring as JSON. After the runs the CLI's and
the script's tables are compared cell by cell (same cells, same n and flag, estimates within 1e-6, the
CLI rounding to 6 decimals), so the two compute the same thing.

Usage::

    python benchmarks/cli.py --rows 3000000 --repeat 5 --out benchmarks/results_cli_3m.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate import DEFAULT_OUT, generate  # noqa: E402
from benchmarks.run import BENCH_SECRET, machine, run_worker  # noqa: E402

TASKS = ("help", "indicators", "compare", "pandas")
CLI_TASKS = ("help", "indicators", "compare")


def prepare(rows: int, data: Path, work: Path) -> dict[str, Any]:
    """The store, the Parquet respondents and the scoring JSON (built once, not timed); the compare period.

    Runs in a child process (``--prepare``): a child's peak RSS counts the pages of the parent it was forked
    from, so the parent stays small (no pandas, no DuckDB result) to keep the measured peaks honest.
    """
    proc = subprocess.run([sys.executable, __file__, "--prepare", "--rows", str(rows), "--data", str(data),
                           "--work", str(work), "--out", os.devnull], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "JINGMIN_SECRET": BENCH_SECRET, "PYTHONPATH": str(REPO)}, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"preparation failed:\n{proc.stderr[-3000:]}")
    prep = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**prep, **{k: Path(prep[k]) for k in ("db", "parquet", "scoring")}}


def _prepare_here(rows: int, data: Path, work: Path) -> dict[str, Any]:
    """The work of :func:`prepare`, in the child."""
    import duckdb

    from analytics import definitions, store

    work.mkdir(parents=True, exist_ok=True)
    db = work / f"bench_{rows}.duckdb"
    if not db.exists():
        paths = generate(rows, data, gbk=False, cases=False)
        print(f"building {db} (one untimed ingest)", flush=True)
        run_worker("ingest", {"db": str(db), "file": str(paths["survey"]), "kind": "survey",
                              "jurisdictions": str(paths["jurisdictions"]), "keep": True}, work / f"cli_{rows}.log")
    parquet = work / f"respondents_{rows}.parquet"
    scoring = work / f"indicators_{rows}.json"
    con = store.connect(db, read_only=True)
    try:
        indicators = [i for i in definitions.list_indicators(con) if i.enabled]
        settings = {name: float(store.get_setting(con, name))
                    for name in ("confidence_level", "suppress_below_n_eff", "caution_below_n_eff")}
        last = con.execute("SELECT max(month) FROM indicator_cells").fetchall()[0][0]
    finally:
        con.close()
    scoring.write_text(json.dumps([{"key": i.key, "item": i.item, "scoring": i.scoring} for i in indicators]),
                       encoding="utf-8")
    if not parquet.exists():
        print(f"writing {parquet} (untimed)", flush=True)
        con = duckdb.connect(str(db), read_only=True)
        con.execute("SET memory_limit = '3GB'")
        # PIVOT expands into several statements, which take no parameters: the relation API writes the file.
        con.sql("""
            SELECT r.jurisdiction_code AS station, CAST(r.interview_date AS TIMESTAMP) AS interview_date, w.*
                EXCLUDE (respondent_key)
            FROM respondents r
            LEFT JOIN (PIVOT (SELECT respondent_key, item, code FROM answers) ON item USING first(code)) w
                USING (respondent_key)
            ORDER BY r.respondent_key""").write_parquet(str(parquet))
        con.close()
    period = f"{last.year}Q{(last.month - 1) // 3 + 1}"
    return {"db": str(db), "parquet": str(parquet), "scoring": str(scoring), "settings": settings, "period": period}


def commands(prep: dict[str, Any], work: Path) -> dict[str, tuple[list[str], Path]]:
    """Each task's command line and the file its standard output goes to."""
    py = [sys.executable]
    db = ["--db", str(prep["db"])]
    s = prep["settings"]
    return {
        "help": (py + ["-m", "analytics", "--help"], work / "cli_help.txt"),
        "indicators": (py + ["-m", "analytics", "indicators", "--by", "jurisdiction,month", "--level", "station",
                             "--format", "csv", *db], work / "cli_indicators.csv"),
        "compare": (py + ["-m", "analytics", "compare", "--indicator", "satisfaction", "--period", prep["period"],
                          "--level", "station", "--format", "csv", *db], work / "cli_compare.csv"),
        "pandas": (py + [str(HERE / "analyst_indicators.py"), str(prep["parquet"]), str(prep["scoring"]),
                         str(work / "pandas_indicators.csv"), "--confidence", str(s["confidence_level"]),
                         "--suppress", str(s["suppress_below_n_eff"]), "--caution", str(s["caution_below_n_eff"])],
                   work / "pandas_stdout.txt"),
    }


def timed_process(argv: list[str], stdout: Path, tree: Path = REPO) -> dict[str, Any]:
    """Run one process to its end; wall seconds from spawn to exit, its peak RSS, the load average before.

    ``tree`` is the source tree whose ``analytics`` runs (another commit's, for a before/after run).
    """
    load = os.getloadavg()
    env = {**os.environ, "JINGMIN_SECRET": BENCH_SECRET, "PYTHONPATH": str(tree)}
    with stdout.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=tree, env=env, stdout=out, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        proc.stderr.close() if proc.stderr else None
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{stderr[-3000:]}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024.0,
            "loadavg_before": [round(x, 2) for x in load]}


def agreement(cli_csv: Path, pandas_csv: Path) -> dict[str, Any]:
    """Compare the CLI's table with the script's cell by cell; raise AssertionError when they differ."""
    import numpy as np
    import pandas as pd

    keys = ["indicator", "jurisdiction", "period"]
    cli = pd.read_csv(cli_csv, dtype={"period": str})
    cli = cli[cli["n"] > 0]  # cells whose every answer was don't-know: no base in either table
    base = pd.read_csv(pandas_csv, dtype={"period": str})
    merged = cli.merge(base, on=keys, how="outer", suffixes=("_cli", "_pd"), indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    assert unmatched == 0, f"{unmatched} cells exist in only one table"
    assert (merged["n_cli"] == merged["n_pd"]).all(), "bases n differ"
    assert (merged["flag_cli"] == merged["flag_pd"]).all(), "flags differ"
    worst = {}
    for col in ("estimate", "se", "ci_low", "ci_high"):
        a, b = merged[f"{col}_cli"].to_numpy(float), merged[f"{col}_pd"].to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all(), f"{col}: suppressed in one table only"
        diff = np.abs(a - b)[~np.isnan(a)]
        worst[col] = float(diff.max()) if diff.size else 0.0
        assert worst[col] <= 1e-6, f"{col} differs by {worst[col]}"
    return {"cells": len(merged), "max_abs_difference": worst}


def main(argv: list[str] | None = None) -> int:
    """Prepare, run every task ``--repeat`` times (interleaved), check agreement, write medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="survey respondents (default 3,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per task; medians are reported (default 5)")
    parser.add_argument("--out", type=Path, required=True, help="results JSON file")
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT, help="folder of the generated inputs")
    parser.add_argument("--work", type=Path, default=DEFAULT_OUT / "work", help="folder for stores and outputs")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--before", type=Path, metavar="TREE",
                        help="also run the CLI tasks from this source tree (e.g. `git archive OLD | tar -x -C TREE`)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(_prepare_here(args.rows, args.data, args.work)))
        return 0
    prep = prepare(args.rows, args.data, args.work)
    plan = {name: (argv, out, REPO) for name, (argv, out) in commands(prep, args.work).items() if name in args.tasks}
    if args.before:
        for name in CLI_TASKS:
            if name in plan:
                argv, out, _tree = plan[name]
                plan[f"{name}_before"] = (argv, out.with_name(f"before_{out.name}"), args.before.resolve())
    results: dict[str, Any] = {
        "rows": args.rows, "repeat": args.repeat, "started": dt.datetime.now().isoformat(timespec="seconds"),
        "compare_period": prep["period"],
        "commands": {name: " ".join(Path(a).name if a == sys.executable else a for a in argv)
                     for name, (argv, _out, _tree) in plan.items()},
        "before_tree": str(args.before) if args.before else None,
        "tasks": {name: {"runs": []} for name in plan},
    }
    for rep in range(args.repeat):
        for name, (argv, out, tree) in plan.items():
            figures = timed_process(argv, out, tree)
            results["tasks"][name]["runs"].append(figures)
            print(f"[{rep + 1}/{args.repeat}] {name}: {figures['seconds']:.2f} s, {figures['peak_rss_mb']:.0f} MB, "
                  f"load {figures['loadavg_before']}", flush=True)
    results["machine"] = machine()  # after the runs: it imports pandas and streamlit into this process
    for task in results["tasks"].values():
        task["median_seconds"] = statistics.median(r["seconds"] for r in task["runs"])
        task["median_cpu_seconds"] = statistics.median(r["cpu_seconds"] for r in task["runs"])
        task["median_peak_rss_mb"] = statistics.median(r["peak_rss_mb"] for r in task["runs"])
    med = {name: task["median_seconds"] for name, task in results["tasks"].items()}
    if "indicators" in med and "pandas" in med:
        results["agreement"] = agreement(plan["indicators"][1], args.work / "pandas_indicators.csv")
        results["pandas_vs_cli_indicators"] = med["pandas"] / med["indicators"]
    for name in CLI_TASKS:
        if f"{name}_before" in plan and name in plan and name != "help":
            same = plan[name][1].read_bytes() == plan[f"{name}_before"][1].read_bytes()
            results.setdefault("same_output_as_before", {})[name] = same
            results.setdefault("before_vs_now", {})[name] = med[f"{name}_before"] / med[name]
    results["targets"] = {
        **({"help_under_1s": med["help"] < 1.0} if "help" in med else {}),
        **({"compare_under_2s": med["compare"] < 2.0} if "compare" in med else {}),
        **({"indicators_at_least_5x_pandas": results["pandas_vs_cli_indicators"] >= 5.0}
           if "pandas_vs_cli_indicators" in results else {}),
    }
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(json.dumps({"medians": med, "pandas_vs_cli_indicators": results.get("pandas_vs_cli_indicators"),
                      "targets": results["targets"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
