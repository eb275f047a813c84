"""Browser timings (issue 20.2): what a person waits for in a real browser, served by ``streamlit run``.

One command::

    python benchmarks/browser.py --out benchmarks/results_browser.json          # demo + 1M (if built)

For every measurement the clock starts when Playwright clicks (or navigates) and stops when Streamlit's
last run for it ends: the app root's ``data-test-script-state`` turning ``notRunning`` (as
``tests/e2e/ui.py`` ``rerun()`` waits for it), read from the browser's own clock (``performance.now()``
recorded by a MutationObserver), so Playwright's polling does not add to it. Then the page is left to
settle (no skeleton, the last delta painted) before the next action; that wait is not counted.

Scenarios, each ``--repeat`` times (medians reported, the 1-minute load average stored with every run):

* ``fresh``: ``git archive HEAD`` into an empty folder (a fresh clone: no database, no secret), ``streamlit
  run dashboard.py`` there, and the first page: from navigation start to the end of the first run, which
  builds the demo database from ``data/demo/`` on first use (``analytics.store.connect``). The spawn → healthy
  time of the server is recorded beside it.
* ``--before TREE``: the demo scenario again, served from an older source tree (``demo_before``),
  interleaved with the others: the same-run baseline of what changed.
* per dataset (``demo``: the database the fresh clone built; ``1m``: ``benchmarks/data/work/bench_1000000.duckdb``,
  built by ``run.py``, copied), a server started on a copy (cold Streamlit caches each repeat), then in one
  new browser session: the first page (a new session), every page of the navigation in order (first visit:
  cold caches), on Overview the sidebar changes granularity → month, level → district, weighted on, language
  → English and back, every page again (second visit), and on Trends the same sidebar changes.

Chromium is Debian's ``/usr/bin/chromium`` (headless, no sandbox, no GPU, no background networking); the
server listens on 127.0.0.1 only; every loop is bounded by the navigation and ``--repeat``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from analytics.i18n import t  # noqa: E402
from benchmarks.run import BENCH_SECRET, machine  # noqa: E402
from tests.e2e import ui  # noqa: E402

CHROMIUM = os.environ.get("JINGMIN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The server's address space is capped so a runaway query cannot take the shared machine down.
SERVER_AS_LIMIT = 8 * 1024**3
HEALTH_TIMEOUT_S = 120
RUN_TIMEOUT_MS = 180_000
DEFAULT_1M = HERE / "data" / "work" / "bench_1000000.duckdb"

# The browser's clock at the end of every run (ms since navigation start), beside ui.INIT_SCRIPT's counter.
CLOCK_SCRIPT = """
(() => {
  window.__stRunEnd = null;
  let last = null;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    if (state !== last) {
      if (state === 'notRunning' && last !== null) window.__stRunEnd = performance.now();
      last = state;
    }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""


def _limit_server() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_AS_LIMIT, SERVER_AS_LIMIT))
    os.setsid()


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``streamlit run dashboard.py`` in ``cwd`` on a free loopback port (``db`` None: the default database)."""

    def __init__(self, cwd: Path, db: Path | None, log: Path, pythonpath: tuple[Path, ...] = ()) -> None:
        self.cwd, self.db, self.log = cwd, db, log
        self.port = free_port()
        # ``pythonpath``: folders before the tree (concurrency.py's thread-dump sitecustomize).
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, pythonpath), str(cwd)]),
               "JINGMIN_SECRET": BENCH_SECRET}
        env.pop("JINGMIN_DB", None)
        if db is None:
            env.pop("JINGMIN_SECRET")  # a fresh clone makes its own secret in its data/ folder
        else:
            env["JINGMIN_DB"] = str(db)
        command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(self.port),
                   "--server.headless", "true", "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self.started = time.perf_counter()
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            preexec_fn=_limit_server)  # noqa: PLW1509 - rlimit + own group
        self.healthy_after = self._wait_healthy()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_healthy(self) -> float:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited {self.process.returncode}: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"streamlit not healthy after {HEALTH_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def new_page(browser: Any) -> Any:
    page = ui.new_page(browser)
    page.context.add_init_script(CLOCK_SCRIPT)
    page.context.set_default_timeout(RUN_TIMEOUT_MS)
    return page


def first_page(page: Any, url: str) -> float:
    """Navigation start → end of the first run (s)."""
    page.goto(url + "/", timeout=RUN_TIMEOUT_MS)
    ui.settle(page, timeout=RUN_TIMEOUT_MS)
    return page.evaluate("() => window.__stRunEnd") / 1000


def timed(page: Any, action: Any) -> float:
    """Click (``action``) → end of the last run it caused (s), on the browser's clock. An action that needs a
    list opened first (a select box) is a pair (open, click): the opening is not timed."""
    if isinstance(action, tuple):
        prepare, action = action
        prepare()
    start = page.evaluate("() => performance.now()")
    ui.rerun(page, action, timeout=RUN_TIMEOUT_MS)
    failures = ui.exceptions(page)
    if failures:
        raise RuntimeError(f"the page shows an exception: {failures[0][:500]}")
    return (page.evaluate("() => window.__stRunEnd") - start) / 1000


def nav_link(page: Any, path: str) -> Any:
    if not path:
        return ui._root_link(page).first
    return page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first


def sidebar_changes(page: Any, lang: str = "zh") -> list[tuple[str, Any]]:
    """(name, action) of the sidebar changes measured; each leaves the sidebar changed for the next (an action
    is a callable, or an (open, click) pair for a select box: see :func:`timed`)."""
    side = ui.sidebar(page)

    def pick(label_key: str, option_key: str) -> Any:
        option: list[Any] = []

        def open_list() -> None:
            # The same robust opener as the e2e tests: a click on the box does not always open its list (the
            # next way is tried after 3 s), so the clock starts at the click on the option, not here.
            box = side.get_by_role("combobox", name=t(label_key, lang), exact=True)
            option[:] = [ui.open_options(page, box, t(option_key, lang))]

        return open_list, lambda: option[0].click()

    def toggle() -> None:
        side.get_by_text(t("sidebar.weighted", lang), exact=True).click()

    def language(name: str) -> Any:
        return lambda: side.locator('[data-testid="stRadio"] label').filter(has_text=name).first.click()

    return [("granularity_month", pick("sidebar.granularity", "period.month")),
            ("level_district", pick("sidebar.level", "level.district")),
            ("weighted_on", toggle),
            ("language_en", language("English")),
            ("language_zh", language("中文")),
            ("granularity_quarter", pick("sidebar.granularity", "period.quarter")),
            ("level_station", pick("sidebar.level", "level.station")),
            ("weighted_off", toggle)]


def session(browser: Any, url: str) -> dict[str, float]:
    """One new browser session's timings on a server (see the module docstring)."""
    out: dict[str, float] = {}
    page = new_page(browser)
    try:
        out["first_page"] = first_page(page, url)
        paths = ui.nav_paths(page)
        for visit in ("visit1", "visit2"):
            for path in [*paths[1:], paths[0]]:
                out[f"{visit}.{path or 'overview'}"] = timed(page, lambda p=path: nav_link(page, p).click())
            if visit == "visit1":
                for name, action in sidebar_changes(page):
                    out[f"overview.{name}"] = timed(page, action)
        out["visit3.trends"] = timed(page, lambda: nav_link(page, "trends").click())
        for name, action in sidebar_changes(page):
            out[f"trends.{name}"] = timed(page, action)
    finally:
        page.context.close()
    return out


def fresh_clone(browser: Any, folder: Path, log: Path, ref: str = "HEAD") -> tuple[dict[str, float], Path]:
    """A fresh clone (``git archive ref``)'s first page, with whatever it does to make its demo database;
    returns the timings and that database."""
    clone = folder / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    clone.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(clone)], input=archive, check=True)
    server = Server(clone, None, log)
    page = new_page(browser)
    try:
        seconds = first_page(page, server.url)
        built = clone / "data" / "jingmin.duckdb"
        demo = folder / "demo.duckdb"
    finally:
        page.context.close()
        server.stop()
    shutil.copyfile(built, demo)
    return {"server_healthy": server.healthy_after, "first_page": seconds}, demo


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted(set().union(*runs))
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def main(argv: list[str] | None = None) -> int:
    """Command line: run the scenarios ``--repeat`` times and write runs, medians and targets to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results_browser.json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-1m", type=Path, default=DEFAULT_1M, help="the 1M store (run.py builds it)")
    parser.add_argument("--datasets", nargs="+", default=["demo", "1m"], choices=["demo", "1m"])
    parser.add_argument("--before", type=Path, help="also serve the demo from this older source tree (same run), "
                        "e.g. `git archive main | tar -x -C /tmp/mainx`: scenario 'demo_before'")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "jingmin_browser_bench")
    parser.add_argument("--fresh-before", metavar="REF",
                        help="also time a fresh clone of this git ref (e.g. main), interleaved: 'fresh_before'")
    parser.add_argument("--fresh-only", action="store_true", help="only the fresh-clone scenarios")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / "streamlit.log"
    results: dict[str, Any] = {"started": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                               "repeat": args.repeat, "scenarios": {}}
    if "1m" in args.datasets and not args.fresh_only and not args.db_1m.exists():
        raise SystemExit(f"{args.db_1m} is missing: python benchmarks/run.py --rows 1000000 --tasks ingest ...")

    def record(scenario: str, figures: dict[str, float], load: tuple[float, ...]) -> None:
        figures = {k: round(v, 3) for k, v in figures.items()}
        results["scenarios"].setdefault(scenario, {"runs": []})["runs"].append(
            {**figures, "loadavg_before": [round(x, 2) for x in load]})
        print(f"{scenario}: {json.dumps(figures)} load {load[0]:.2f}", flush=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            demo_db = None
            for _ in range(args.repeat):
                load = os.getloadavg()
                figures, demo_db = fresh_clone(browser, args.work, log)
                record("fresh", figures, load)
                if args.fresh_before:
                    load = os.getloadavg()
                    record("fresh_before", fresh_clone(browser, args.work, log, args.fresh_before)[0], load)
            if args.fresh_only:
                args.datasets, args.before = [], None
            sources = {"demo": demo_db, "1m": args.db_1m, "demo_before": demo_db}
            trees = {"demo_before": args.before}
            plan = [*args.datasets, *(["demo_before"] if args.before else [])]
            for rep in range(args.repeat):
                for name in plan:
                    copy = args.work / f"{name}_copy.duckdb"
                    shutil.copyfile(sources[name], copy)
                    server = Server(trees.get(name) or REPO, copy, log)
                    try:
                        load = os.getloadavg()
                        try:
                            figures = session(browser, server.url)
                        except (PlaywrightError, RuntimeError) as exc:
                            raise SystemExit(f"{name} repeat {rep + 1}: {exc}\n{log.read_text()[-3000:]}") from exc
                    finally:
                        server.stop()
                    record(name, {"server_healthy": server.healthy_after, **figures}, load)
        finally:
            browser.close()
    for scenario in results["scenarios"].values():
        scenario["median"] = _median([{k: v for k, v in r.items() if k != "loadavg_before"}
                                      for r in scenario["runs"]])
    results["targets"] = targets(results["scenarios"])
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(results["targets"], indent=2, ensure_ascii=False))
    return 0


def targets(scenarios: dict[str, Any]) -> dict[str, Any]:
    """Issue 20.2's targets against the medians: fresh first page ≤ 8 s; switches and sidebar changes ≤ 1.5 s
    (demo) / ≤ 2.5 s (1M); Trends ≤ 1.5 s. Lists what misses."""
    out: dict[str, Any] = {}
    if "fresh" in scenarios:
        out["fresh_first_page_at_most_8s"] = scenarios["fresh"]["median"]["first_page"] <= 8.0
    for name, limit in (("demo", 1.5), ("1m", 2.5)):
        if name not in scenarios:
            continue
        med = scenarios[name]["median"]
        timed_keys = [k for k in med if k.split(".")[0] in ("visit1", "visit2", "visit3", "overview", "trends")]
        misses = {k: med[k] for k in timed_keys if med[k] > limit}
        out[f"{name}_switches_and_sidebar_at_most_{limit}s"] = not misses
        out[f"{name}_misses"] = dict(sorted(misses.items(), key=lambda kv: -kv[1]))
        trends = {k: med[k] for k in timed_keys if "trends" in k}
        out[f"{name}_trends_at_most_1.5s"] = max(trends.values()) <= 1.5
    return out


if __name__ == "__main__":
    raise SystemExit(main())
