"""Server CPU seconds per page run (issue 20.3): what bounds the p95 of many sessions on one Streamlit process.

One command::

    python benchmarks/page_cpu.py --before /tmp/cheap_before --out benchmarks/results_page_cpu.json

One ``streamlit run`` per source tree (this one, and ``--before`` for the same-run baseline), each on its own
copy of the demo database (built by ``python -m analytics demo`` if ``--demo`` is not given), loopback only.
ONE headless Chromium session opens the app and walks the concurrency benchmark's pages (Trends → Compare →
Breakdowns → Data → Overview, ``concurrency.PAGES``) ``--walks`` times. Around every page switch the server
process's CPU time (user + system of all its threads, ``/proc/<pid>/stat``) is read before the click and after
the run has ended and the page has settled; the difference is that switch's server CPU seconds. The first
walk fills the caches and is reported apart; the median of the later walks is the warm figure per page.

Every session's script runs under the one interpreter lock of the server, so with S sessions switching at
once a page waits for about S × (CPU seconds of a run): CPU seconds, unlike wall time, barely move with
the machine's load. The trees are measured alternately, ``--repeat`` times each.

``--profile PAGE`` instead runs the dashboard in-process (Streamlit's AppTest on a copy of the demo
database), opens PAGE, runs it twice to warm the caches and prints the ``cProfile`` of a third run (the
script's own thread: the profiler is started inside Streamlit's script runner).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.run import BENCH_SECRET, machine  # noqa: E402

PAGES = ("trends", "compare", "breakdowns", "data", "")  # as concurrency.py walks them; "" = Overview
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far, every thread included (``/proc/<pid>/stat``).

    The clock tick is 1/100 s here: a switch's figure is good to about 0.01 s, the medians better."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        # The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15 of the line


def walk_server(tree: Path, db: Path, log: Path, walks: int) -> dict[str, Any]:
    """Serve ``tree`` on ``db``, walk the pages ``walks`` times in one browser session; CPU s per switch."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, Server, nav_link, new_page, timed
    from tests.e2e import ui

    server = Server(tree, db, log)
    pid = server.process.pid
    out: dict[str, Any] = {"switches": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = new_page(browser)
                before = cpu_seconds(pid)
                page.goto(server.url + "/")
                ui.settle(page, timeout=180_000)
                out["first_page_cpu"] = round(cpu_seconds(pid) - before, 3)
                for walk in range(walks):
                    for path in PAGES:
                        before = cpu_seconds(pid)
                        wall = timed(page, lambda p=path: nav_link(page, p).click())
                        out["switches"].append({"walk": walk + 1, "page": path or "overview",
                                                "cpu": round(cpu_seconds(pid) - before, 3),
                                                "wall": round(wall, 3)})
                # The server's own CPU while nobody does anything (its event loop, file checks), for scale.
                before = cpu_seconds(pid)
                page.wait_for_timeout(5_000)
                out["idle_cpu_per_s"] = round((cpu_seconds(pid) - before) / 5, 4)
                page.context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    return out


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per page: the median CPU and wall seconds of the warm walks (2nd on) and of the first walk, over runs."""
    out: dict[str, Any] = {}
    for path in PAGES:
        name = path or "overview"
        warm = [s for r in runs for s in r["switches"] if s["page"] == name and s["walk"] > 1]
        cold = [s for r in runs for s in r["switches"] if s["page"] == name and s["walk"] == 1]
        out[name] = {"warm_cpu_median": round(statistics.median(s["cpu"] for s in warm), 3),
                     "warm_wall_median": round(statistics.median(s["wall"] for s in warm), 3),
                     "first_walk_cpu_median": round(statistics.median(s["cpu"] for s in cold), 3),
                     "warm_switches": len(warm)}
    out["walk_warm_cpu_total"] = round(sum(out[p or "overview"]["warm_cpu_median"] for p in PAGES), 3)
    return out


def demo_database(work: Path, demo: Path | None) -> Path:
    """The demo database to copy for each server (built from data/demo/ when none is given)."""
    if demo is not None:
        return demo
    built = work / "demo.duckdb"
    if not built.exists():
        env = {**os.environ, "JINGMIN_SECRET": BENCH_SECRET, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--db", str(built)], cwd=REPO, env=env,
                       check=True)
    return built


def profile(page: str, db: Path, top: int) -> str:
    """cProfile of a warm run of ``page`` in-process (AppTest of dashboard.py on ``db``), top ``top`` lines."""
    os.environ["JINGMIN_DB"] = str(db)
    os.environ["JINGMIN_SECRET"] = BENCH_SECRET
    import gc
    import time

    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    from tests.app.helpers import open_page

    profiler = cProfile.Profile()
    original = script_runner.exec_func_with_error_handling
    active = [False]

    def profiled(func: Any, ctx: Any) -> Any:
        # The script runs in the runner's thread: the profiler is switched on there, for the chosen run only.
        if not active[0]:
            return original(func, ctx)
        profiler.enable()
        try:
            return original(func, ctx)
        finally:
            profiler.disable()

    script_runner.exec_func_with_error_handling = profiled
    # AppTest makes a new script cache per run, so every page would be compiled again (Streamlit's AST
    # "magic" pass costs more than some pages); a server compiles each page once. Shared here, as there.
    compiled: dict[str, Any] = {}
    get_bytecode = ScriptCache.get_bytecode

    def shared_bytecode(self: Any, path: str) -> Any:
        if path not in compiled:
            compiled[path] = get_bytecode(self, path)
        return compiled[path]

    ScriptCache.get_bytecode = shared_bytecode  # type: ignore[method-assign]
    collections: list[float] = []
    started: list[float] = []

    def gc_timer(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started and active[0]:
            collections.append(time.perf_counter() - started[0])

    gc.callbacks.append(gc_timer)
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    target = page or "overview"
    open_page(at, target)
    other = "data" if target != "data" else "trends"
    for _ in range(2):  # warm: the page, another page, back (a switch, as the browser walk does)
        open_page(at, other)
        open_page(at, target)
    # A run's CPU seconds without the profiler (the script runner's thread; the process is otherwise idle).
    plain = []
    for _ in range(3):
        open_page(at, other)
        before = time.process_time()
        open_page(at, target)
        plain.append(time.process_time() - before)
    open_page(at, other)
    active[0] = True
    open_page(at, target)
    active[0] = False
    text = io.StringIO()
    text.write(f"warm run CPU s without the profiler (process, 3 runs): {[round(x, 3) for x in plain]}\n")
    text.write(f"garbage collections during the profiled run: {len(collections)}, "
               f"{sum(collections):.3f} s\n")
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(top)
    text.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results_page_cpu.json")
    parser.add_argument("--walks", type=int, default=6, help="walks over the pages per server (the 1st is cold)")
    parser.add_argument("--repeat", type=int, default=2, help="servers per tree, alternating with --before")
    parser.add_argument("--before", type=Path, help="also serve this older source tree (same-run baseline)")
    parser.add_argument("--demo", type=Path, help="a demo database (default: built with python -m analytics demo)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "jingmin_page_cpu_bench")
    parser.add_argument("--profile", metavar="PAGE", help="print the cProfile of a warm in-process run of PAGE "
                        "(trends, compare, breakdowns, data, overview) instead")
    parser.add_argument("--top", type=int, default=40, help="lines of the profile printed")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    demo = demo_database(args.work, args.demo)
    if args.profile:
        copy = args.work / "profile.duckdb"
        shutil.copyfile(demo, copy)
        print(profile(args.profile, copy, args.top))
        return 0
    trees = {"after": REPO, **({"before": args.before} if args.before else {})}
    results: dict[str, Any] = {"started": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                               "walks": args.walks, "repeat": args.repeat, "pages": [p or "overview" for p in PAGES],
                               "trees": {k: str(v) for k, v in trees.items()}, "runs": {k: [] for k in trees}}
    log = args.work / "streamlit.log"
    for rep in range(args.repeat):
        for name, tree in trees.items():
            copy = args.work / f"{name}.duckdb"
            shutil.copyfile(demo, copy)
            load = os.getloadavg()
            run = walk_server(tree, copy, log, args.walks)
            run["loadavg_before"] = [round(x, 2) for x in load]
            results["runs"][name].append(run)
            warm = summarise([run])
            print(f"{name} repeat {rep + 1} (load {load[0]:.2f}): " + ", ".join(
                f"{p or 'overview'} {warm[p or 'overview']['warm_cpu_median']:.3f}" for p in PAGES), flush=True)
            args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    results["median"] = {name: summarise(runs) for name, runs in results["runs"].items()}
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(results["median"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
