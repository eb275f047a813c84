"""Render results JSON files of ``run.py`` as the Markdown tables of ``benchmarks/README.md``.

Usage::

    python benchmarks/report.py benchmarks/results_1m.json [benchmarks/results_10m.json ...]

Every figure is printed from the JSON as measured (medians over the runs, with the number of runs and the
load average before each run); nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROWS = [
    # (task, key, label, baseline task, baseline key)
    ("ingest", "seconds", "Ingest survey CSV (UTF-8) through the pipeline", "floor", "seconds"),
    ("ingest_gbk", "seconds", "Ingest the same survey, GBK", "floor", "seconds"),
    ("ingest_cases", "seconds", "Ingest cases CSV (N/10 rows)", "floor_cases", "seconds"),
    ("indicators", "unweighted_seconds", "Indicator table, unweighted (3 levels x months x 7 indicators)",
     "pandas", "unweighted_seconds"),
    ("indicators", "weighted_seconds", "Indicator table, weighted", "pandas", "weighted_seconds"),
    ("indicators", "refresh_cells_seconds",
     "Rebuild indicator_cells from all respondents (removal, raking, new definitions)", None, None),
    ("compare", "unweighted_seconds", "Compare: 500 stations, satisfaction, latest quarter, unweighted", None, None),
    ("compare", "weighted_seconds", "Compare, weighted", None, None),
]
BASELINE_LABELS = {"floor": "DuckDB read_csv → table", "floor_cases": "DuckDB read_csv → table",
                   "pandas": "pandas groupby (frame in memory)"}


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _median(results: dict[str, Any], task: str, key: str) -> float | None:
    return results["tasks"].get(task, {}).get("median", {}).get(key)


def _loads(results: dict[str, Any], task: str) -> str:
    runs = results["tasks"].get(task, {}).get("runs", [])
    return ", ".join(f"{r['loadavg_before'][0]:.1f}" for r in runs) or "–"


def figures_table(results: dict[str, Any]) -> str:
    """Timing rows with baseline, ratio, peak RSS, run count and load averages."""
    lines = ["| measurement | median s | baseline | baseline median s | ratio | peak RSS MB | runs | load (1-min) |",
             "|---|---:|---|---:|---:|---:|---:|---|"]
    for task, key, label, base_task, base_key in ROWS:
        value = _median(results, task, key)
        if value is None:
            continue
        base = _median(results, base_task, base_key) if base_task else None
        if base is None:
            ratio = "–"
        elif base_task == "pandas":
            ratio = f"pandas {base / value:,.1f}x slower"
        else:
            ratio = f"{value / base:,.1f}x floor"
        runs = len(results["tasks"][task]["runs"])
        lines.append(f"| {label} | {_fmt(value)} | {BASELINE_LABELS.get(base_task or '', '–')} | {_fmt(base)} | "
                     f"{ratio} | {_fmt(_median(results, task, 'peak_rss_mb'), 0)} | {runs} | {_loads(results, task)} |")
    for task, label in (("floor", "Floor: DuckDB read_csv of the survey file"),
                        ("floor_cases", "Floor: DuckDB read_csv of the cases file"),
                        ("pandas", "pandas baseline (peak while computing both tables)")):
        if task in results["tasks"]:
            key = "unweighted_seconds" if task == "pandas" else "seconds"
            lines.append(f"| {label} | {_fmt(_median(results, task, key))} | | | | "
                         f"{_fmt(_median(results, task, 'peak_rss_mb'), 0)} | {len(results['tasks'][task]['runs'])} | "
                         f"{_loads(results, task)} |")
    if "pandas" in results["tasks"]:
        lines.append(f"| (pandas: loading the wide frame from the store, not counted above) | "
                     f"{_fmt(_median(results, 'pandas', 'load_seconds'))} | | | | | | |")
    return "\n".join(lines)


def pages_table(results: dict[str, Any]) -> str:
    """AppTest render times of Overview and Compare."""
    lines = ["| page | render | median s | peak RSS MB | runs | load (1-min) |", "|---|---|---:|---:|---:|---|"]
    for task, page in (("page_overview", "Overview"), ("page_compare", "Compare")):
        med = results["tasks"].get(task, {}).get("median")
        if not med:
            continue
        for key, value in med.items():
            if key.endswith("_seconds") and key != "wall_seconds":
                what = key.removesuffix("_seconds").replace("_", " ")
                lines.append(f"| {page} | {what} | {_fmt(value)} | {_fmt(med['peak_rss_mb'], 0)} | "
                             f"{len(results['tasks'][task]['runs'])} | {_loads(results, task)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the Markdown tables for each results file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.results:
        results = json.loads(path.read_text(encoding="utf-8"))
        print(f"### N = {results['rows']:,} ({path.name}; {results['started']} – {results.get('finished', '?')})\n")
        print(figures_table(results) + "\n")
        if any(t.startswith("page_") for t in results["tasks"]):
            print(pages_table(results) + "\n")
        print("Ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in results.get("ratios", {}).items()) + "\n")
        print("Targets: " + json.dumps(results.get("targets", {})) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
