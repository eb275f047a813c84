"""Concurrency (issue 20.3): 20 browser sessions switching pages on the demo while one uploads 100k rows.

One command::

    python benchmarks/concurrency.py --out benchmarks/results_concurrency.json

One ``streamlit run`` on a copy of the demo database (built by ``python -m analytics demo`` if ``--demo`` is
not given), loopback only; one headless Chromium with ``--sessions`` browser contexts (each a Streamlit
session) driven concurrently by Playwright's async API. Every session opens the app, then walks the pages
``--rounds`` times (a bounded loop), timing each switch from the click to the end of its run (the browser's
clock, as ``browser.py``). Once every session has opened, one more session uploads a ``--rows``-row survey
file (the demo phone survey's GBK layout: Chinese headers and station names, text answers; every answer
"very dissatisfied" in August 2026, so the city's 2026Q3 satisfaction must move) through the Upload page.

Recorded: every page time (p50, p95, max), errors (an exception box, an error alert, a timeout, a page
error in the browser), the upload's time, and, after the walks, each session's next interaction (the
Overview): its headline tiles must equal those the uploader sees after the load and differ from those it
saw before. After the server stops, the database must hold the uploaded file as exactly one batch with
``--rows`` respondents.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import websockets  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from analytics.i18n import t  # noqa: E402
from analytics.ingest.problems import field_label  # noqa: E402
from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, CLOCK_SCRIPT, Server  # noqa: E402
from benchmarks.run import BENCH_SECRET, machine  # noqa: E402
from tests.e2e import ui  # noqa: E402

PAGES = ("trends", "compare", "breakdowns", "data", "")  # "" = Overview, the default page
HEADER = ["问卷编号", "调查日期", "所属派出所", "是否见过民警巡逻", "是否认识社区民警", "是否知道报警求助方式",
          "总体满意度", "安全感", "信任度", "服务态度", "出警速度", "执法公正", "沟通解释", "办理结果", "性别",
          "年龄段", "联系电话"]
TIMEOUT_MS = 300_000
WAIT_S = 1800  # the longest a session waits for the others (every wait is bounded)


def write_upload(path: Path, db: Path, rows: int) -> None:
    """``rows`` interviews at the demo's stations in August 2026, GBK with CRLF, everyone very dissatisfied."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        stations = [r[0] for r in con.execute(
            "SELECT name_zh FROM jurisdictions WHERE level = 'station' ORDER BY code").fetchall()]
    finally:
        con.close()
    lines = [",".join(HEADER)]
    for i in range(1, rows + 1):
        lines.append(",".join([f"CONC-{i:07d}", f"2026/8/{1 + i % 28}", stations[i % len(stations)],
                               "是" if i % 2 else "否", "否", "是", "非常不满意", "一般", "不信任", "不满意", "一般",
                               "一般", "一般", "不满意", "男" if i % 3 else "女",
                               ("18-29", "30-44", "45-59", "60+")[i % 4], f"139{i:08d}"]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


async def new_page(browser: Any) -> Any:
    context = await browser.new_context(viewport=ui.VIEWPORT, locale="zh-CN")
    await context.add_init_script(ui.INIT_SCRIPT)
    await context.add_init_script(CLOCK_SCRIPT)
    await context.add_init_script(PROBE_SCRIPT)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)[:300]))
    return page


async def settle(page: Any) -> None:
    await page.wait_for_selector(ui.MAIN, timeout=TIMEOUT_MS)
    await page.wait_for_function(ui.IDLE_JS, timeout=TIMEOUT_MS, polling=100)
    await page.wait_for_timeout(200)
    await page.wait_for_function(ui.IDLE_JS, timeout=TIMEOUT_MS, polling=100)


async def problems(page: Any) -> list[str]:
    found = [f"exception: {x[:200]}" for x in await page.locator(ui.EXCEPTION).all_inner_texts()]
    found += [f"error: {x[:200]}" for x in await page.locator(ui.MAIN).locator(
        '[data-testid="stAlertContentError"]').all_inner_texts()]
    return found


# The end of a run, counted from the server's own messages (benchmark only). The app's script-state attribute
# (ui.INIT_SCRIPT's counter) is not enough under load: the frontend applies the server's "running" and "not
# running" status messages as React state, and when the browser's main thread is busy both can land in one render,
# so the attribute never changes and a finished run looks like a stall (seen in the 20-session runs: the server
# had run the page, the state log showed no change). Each ForwardMsg is a protobuf; a top-level field 6
# (script_finished) with value 0 (FINISHED_SUCCESSFULLY) ends a whole-script run (2 = ended early for a rerun,
# 3 = a fragment's run). Also kept for a stall report: every state change as mutation records (each with its old
# value, so changes batched into one callback are all kept) and the websocket's traffic, on the browser's clock.
PROBE_SCRIPT = """
(() => {
  window.__stLog = [];
  window.__finished = 0;
  window.__finishedAt = null;
  window.__ws = {opened: 0, closed: 0, in: 0, out: 0, lastIn: null, lastOut: null};
  const finishedRun = (bytes) => {
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, b;
      do { b = bytes[i++]; value += (b & 127) * scale; scale *= 128; } while (b & 128 && i < bytes.length);
      return value;
    };
    while (i < bytes.length) {
      const key = varint(), field = Math.floor(key / 8), type = key % 8;
      if (type === 0) { const v = varint(); if (field === 6) return v === 0; }
      else if (type === 1) i += 8;
      else if (type === 2) { const n = varint(); i += n; }
      else if (type === 5) i += 4;
      else return false;
    }
    return false;
  };
  const count = (at, data) => {
    if (finishedRun(new Uint8Array(data))) { window.__finished += 1; window.__finishedAt = at; }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__ws.opened += 1;
      this.addEventListener('message', (event) => {
        const at = performance.now();
        window.__ws.in += 1; window.__ws.lastIn = at;
        if (event.data instanceof ArrayBuffer) count(at, event.data);
        else if (event.data instanceof Blob) event.data.arrayBuffer().then((data) => count(at, data));
      });
      this.addEventListener('close', () => { window.__ws.closed += 1; });
    }
    send(data) { window.__ws.out += 1; window.__ws.lastOut = performance.now(); return super.send(data); }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      window.__stLog.push([Math.round(performance.now()), r.oldValue, r.target.getAttribute(r.attributeName)]);
    }
    if (window.__stLog.length > 60) window.__stLog.splice(0, window.__stLog.length - 60);
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""
# Done: the server has finished a whole run since the click and the page shows no run and no skeleton. The value
# is the browser's clock at that moment (polled every 100 ms), which is the switch's end.
FINISHED_JS = """(n) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return window.__finished > n && app?.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stSkeleton"]') ? performance.now() : false;
}"""
STALL_MS = 60_000  # a switch not ended after this long is recorded as a stall (and then waited for further)
STALLS: list[dict[str, Any]] = []
ATTRIBUTE_MISSED: list[float] = []  # switches whose run the state attribute never showed (s)


async def stall_report(page: Any, before: int, start: float) -> dict[str, Any]:
    """What the browser shows for a switch that has not ended after ``STALL_MS``."""
    return await page.evaluate("""([before, start]) => ({
        url: location.href, runs: window.__stRuns, runs_before: before, finished: window.__finished,
        state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
        skeleton: !!document.querySelector('[data-testid="stSkeleton"]'),
        now_ms: Math.round(performance.now() - start),
        state_log: (window.__stLog || []).filter(e => e[0] >= start - 2000)
                   .map(e => [Math.round(e[0] - start), e[1], e[2]]),
        ws: Object.fromEntries(Object.entries(window.__ws || {}).map(
            ([k, v]) => [k, (k === 'lastIn' || k === 'lastOut') && v !== null ? Math.round(v - start) : v]))})""",
                               [before, start])


async def timed(page: Any, action: Any) -> float:
    """Click → the page showing the end of the whole run it caused (s, browser clock); then wait until settled.

    A switch not ended after ``STALL_MS`` is recorded in ``STALLS`` (with what the browser shows), then waited
    for until ``TIMEOUT_MS``: whether a stall ends by itself is part of the finding."""
    before = await page.evaluate("() => window.__finished")
    runs_before = await page.evaluate("() => window.__stRuns || 0")
    start = await page.evaluate("() => performance.now()")
    await action()
    try:
        end = await page.wait_for_function(FINISHED_JS, arg=before, timeout=STALL_MS, polling=100)
    except PlaywrightError:
        report = await stall_report(page, runs_before, start)
        STALLS.append(report)
        try:
            end = await page.wait_for_function(FINISHED_JS, arg=before, timeout=TIMEOUT_MS - STALL_MS, polling=100)
        except PlaywrightError:
            report["ended"] = False
            report["final"] = await stall_report(page, runs_before, start)
            raise
        report["ended"] = True
        report["ended_after_ms"] = round(await end.json_value() - start)
    seconds = (await end.json_value() - start) / 1000
    if await page.evaluate("() => window.__stRuns || 0") == runs_before:
        ATTRIBUTE_MISSED.append(round(seconds, 3))  # a run the state attribute never showed (see PROBE_SCRIPT)
    await settle(page)
    return seconds


async def goto(page: Any, path: str) -> float:
    if path:
        link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first
    else:
        hrefs = await page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.href)")
        index = next(i for i, h in enumerate(hrefs) if h.rstrip("/").count("/") == 2)
        link = page.locator('[data-testid="stSidebarNav"] a').nth(index)
    return await timed(page, link.click)


async def tiles(page: Any) -> dict[str, str]:
    out = {}
    for tile in await page.locator(ui.MAIN).locator('[data-testid="stMetric"]').all():
        label = (await tile.locator('[data-testid="stMetricLabel"]').inner_text()).strip()
        out[label] = (await tile.locator('[data-testid="stMetricValue"]').inner_text()).strip()
    return out


# A server process's every thread, written to its log on SIGUSR1 (benchmark only: a sitecustomize in the work
# folder, never the app). Sent once when a page switch times out, to see what the stalled run waits for.
DUMP_SITE = """import faulthandler, signal, sys
faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
"""
DUMPS = {"pid": None, "sent": 0}


def dump_server_threads() -> None:
    """Ask the server for a thread dump (at most 3 per run: a stall repeats the same stacks)."""
    if DUMPS["pid"] is not None and DUMPS["sent"] < 3:
        os.kill(DUMPS["pid"], signal.SIGUSR1)
        DUMPS["sent"] += 1


def session_opened(counter: list[int], total: int, opened: asyncio.Event) -> None:
    """Count one more session as opened (also when opening failed: the uploader waits for every session, never
    forever); the last one releases the uploader."""
    counter[0] += 1
    if counter[0] == total:
        opened.set()


def switch_record(path: str, seconds: float, upload_done: asyncio.Event) -> dict[str, Any]:
    """One timed page switch as the JSON keeps it."""
    return {"page": path or "overview", "seconds": seconds, "during_upload": not upload_done.is_set()}


async def walker(browser: Any, url: str, rounds: int, opened: asyncio.Event, counter: list[int],
                 total: int, upload_done: asyncio.Event) -> dict[str, Any]:
    """One session: open, remember the tiles, walk the pages ``rounds`` times, then (after the upload) the
    Overview once more."""
    out: dict[str, Any] = {"times": [], "errors": []}
    page = await new_page(browser)
    try:
        try:
            start = time.perf_counter()
            await page.goto(url + "/", timeout=TIMEOUT_MS)
            await settle(page)
            out["first_page"] = time.perf_counter() - start
            out["tiles_before"] = await tiles(page)
        finally:
            session_opened(counter, total, opened)
        for _ in range(rounds):
            for path in PAGES:
                try:
                    out["times"].append(switch_record(path, await goto(page, path), upload_done))
                    out["errors"] += await problems(page)
                except PlaywrightError as exc:
                    out["errors"].append(f"{path}: {str(exc)[:200]}")
                    dump_server_threads()
        await asyncio.wait_for(upload_done.wait(), timeout=WAIT_S)
        # The next interaction of the same session (a reload would be a new session).
        out["after_seconds"] = await goto(page, "trends") + await goto(page, "")
        out["tiles_after"] = await tiles(page)
        out["errors"] += await problems(page)
        out["errors"] += page.errors
    finally:
        await page.context.close()
    return out


class ProtocolSession:
    """A Streamlit session driven over its websocket, as the browser drives it but without drawing anything.

    It sends the rerun requests a browser sends on a page switch (``BackMsg.rerun_script`` with the page's script
    hash, no widget changes) and reads the server's messages until the run's ``script_finished``. It measures
    the server's side of a page switch — what a user whose browser runs on their own computer waits for before
    drawing starts — without 20 Chromium tabs competing with the server for this machine's two cores."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pages: dict[str, str] = {}
        self.socket: Any = None

    async def __aenter__(self) -> ProtocolSession:
        self.socket = await websockets.connect(self.url.replace("http://", "ws://") + "/_stcore/stream",
                                               subprotocols=["streamlit"], origin=self.url, max_size=None,
                                               open_timeout=TIMEOUT_MS / 1000)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.socket.close()

    async def run(self, path: str = "") -> tuple[float, dict[str, str]]:
        """Switch to the page at ``path`` ("" = the default page): seconds to the end of the run, and the metric
        tiles (label → value) the run drew."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = self.pages.get(path, "")
        message.rerun_script.page_name = path
        start = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        tiles: dict[str, str] = {}
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(self.socket.recv(), timeout=TIMEOUT_MS / 1000))
            kind = reply.WhichOneof("type")
            if kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in reply.navigation.app_pages}
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                if reply.delta.new_element.WhichOneof("type") == "metric":
                    metric = reply.delta.new_element.metric
                    tiles[metric.label] = metric.body
            elif kind == "script_finished" and reply.script_finished == 0:  # FINISHED_SUCCESSFULLY
                return time.perf_counter() - start, tiles


async def protocol_walker(url: str, rounds: int, opened: asyncio.Event, counter: list[int], total: int,
                          upload_done: asyncio.Event) -> dict[str, Any]:
    """As :func:`walker`, over the websocket (:class:`ProtocolSession`)."""
    out: dict[str, Any] = {"client": "protocol", "times": [], "errors": []}
    try:
        async with ProtocolSession(url) as session:
            try:
                out["first_page"], out["tiles_before"] = await session.run()
            finally:
                session_opened(counter, total, opened)
            for _ in range(rounds):
                for path in PAGES:
                    out["times"].append(switch_record(path, (await session.run(path))[0], upload_done))
            await asyncio.wait_for(upload_done.wait(), timeout=WAIT_S)
            trends, _ = await session.run("trends")
            overview, out["tiles_after"] = await session.run("")
            out["after_seconds"] = trends + overview
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        out["errors"].append(f"protocol session: {exc!r}"[:300])
    return out


async def protocol_reference(url: str) -> dict[str, str]:
    """The Overview tiles a new session sees now (after the upload): what every protocol session must see."""
    async with ProtocolSession(url) as session:
        return (await session.run())[1]


async def uploader(browser: Any, url: str, file: Path, opened: asyncio.Event,
                   upload_done: asyncio.Event) -> dict[str, Any]:
    """Wait until every walker has opened, then load ``file`` through the Upload page."""
    out: dict[str, Any] = {"errors": [], "steps": []}
    page = await new_page(browser)
    step_started = [time.perf_counter()]

    async def step(name: str) -> None:
        # Each step's wall time and whether the page showed the store's "busy" notices at its end, so a
        # failed run says which step stalled (the last recorded step is the one before it).
        busy = await page.get_by_text(t("error.store_busy", "zh")).count()
        waiting = await page.get_by_text(t("store.waiting", "zh")).count()
        now = time.perf_counter()
        out["steps"].append({"step": name, "seconds": round(now - step_started[0], 3),
                             "busy_notice": busy > 0, "waiting_notice": waiting > 0,
                             "at": dt.datetime.now().isoformat(timespec="seconds")})
        step_started[0] = now

    try:
        await page.goto(url + "/", timeout=TIMEOUT_MS)
        await settle(page)
        await step("open")
        await asyncio.wait_for(opened.wait(), timeout=WAIT_S)
        await step("others_opened")
        await goto(page, "upload")
        await step("upload_page")
        start = time.perf_counter()
        chooser = page.locator(ui.MAIN).locator('[data-testid="stFileUploaderDropzoneInput"]')
        await timed(page, lambda: chooser.set_input_files(str(file)))
        await page.locator(ui.MAIN).get_by_role("heading", name=t("upload.mapping", "zh")).wait_for()
        await step("file_chosen")
        # The constant's box is labelled in the page's language (it was the raw field name "mode" when this
        # script was written: the first 20-session run waited 300 s for a box that no longer exists).
        mode = page.locator(ui.MAIN).get_by_role("textbox", name=field_label("mode", "zh"), exact=True)
        if not await mode.is_visible():
            await page.locator(ui.MAIN).get_by_text(t("upload.constants", "zh")).click()

        async def fill_mode() -> None:
            await mode.fill("phone")
            await mode.press("Enter")
        await timed(page, fill_mode)
        await step("mode_filled")
        load_button = page.locator(ui.MAIN).get_by_role("button", name=t("upload.load", "zh"))
        out["load_click_to_end"] = await timed(page, load_button.click)
        await step("load_clicked")
        out["upload_seconds"] = time.perf_counter() - start
        out["messages"] = await page.locator(ui.MAIN).locator(
            '[data-testid="stAlertContentSuccess"]').all_inner_texts()
        out["errors"] += await problems(page)
        await goto(page, "")
        out["tiles_after"] = await tiles(page)
        out["errors"] += page.errors
    except (TimeoutError, PlaywrightError) as exc:
        # Kept with the steps so far (a crash in gather would lose them).
        done = out["steps"][-1]["step"] if out["steps"] else "start"
        out["errors"].append(f"uploader after step {done}: {str(exc)[:300]}")
    finally:
        upload_done.set()
        await page.context.close()
    return out


def _process_tree() -> dict[int, tuple[int, float]]:
    """Every live process: pid → (parent pid, CPU seconds: user + system, its own and its reaped children's)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            found[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / tick)
    return found


def cpu_by_side(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the server's process tree and of this benchmark's other descendants (Playwright's
    driver and the browser), from /proc: which side of the loopback the machine's two cores went to."""
    tree = _process_tree()

    def descends(pid: int, root: int) -> bool:
        while pid in tree and pid > 1:
            if pid == root:
                return True
            pid = tree[pid][0]
        return False
    server = sum(cpu for pid, (_, cpu) in tree.items() if descends(pid, server_pid))
    ours = sum(cpu for pid, (_, cpu) in tree.items() if descends(pid, os.getpid()) and pid != os.getpid())
    return {"server_cpu_s": round(server, 2), "browser_cpu_s": round(ours - server, 2)}


async def scenario(url: str, sessions: int, protocol_sessions: int, rounds: int, file: Path,
                   server_pid: int) -> dict[str, Any]:
    """``sessions`` browser walkers and ``protocol_sessions`` websocket walkers at once, and the uploader."""
    start_cpu = cpu_by_side(server_pid)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            opened, upload_done = asyncio.Event(), asyncio.Event()
            counter, total = [0], sessions + protocol_sessions
            jobs = [walker(browser, url, rounds, opened, counter, total, upload_done) for _ in range(sessions)]
            jobs += [protocol_walker(url, rounds, opened, counter, total, upload_done)
                     for _ in range(protocol_sessions)]
            started = time.perf_counter()
            results = await asyncio.gather(uploader(browser, url, file, opened, upload_done), *jobs,
                                           return_exceptions=True)
            wall = time.perf_counter() - started
            end_cpu = cpu_by_side(server_pid)
            reference = await protocol_reference(url) if protocol_sessions else None
        finally:
            await browser.close()
    failed = [repr(r)[:500] for r in results if isinstance(r, BaseException)]
    cpu = {key: round(end_cpu[key] - start_cpu[key], 2) for key in end_cpu} | {"wall_s": round(wall, 2)}
    return {"uploader": results[0] if not isinstance(results[0], BaseException) else None,
            "walkers": [r for r in results[1:] if not isinstance(r, BaseException)], "crashed": failed, "cpu": cpu,
            "protocol_reference_tiles": reference}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Command line: run the scenario once and write the figures to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results_concurrency.json")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--protocol-sessions", type=int, default=0,
                        help="more sessions driven over the websocket without a browser (ProtocolSession)")
    parser.add_argument("--rounds", type=int, default=2, help="walks over the pages per session (bounded)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the uploaded survey file")
    parser.add_argument("--demo", type=Path, help="a demo database (default: built with python -m analytics demo)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "jingmin_concurrency_bench")
    parser.add_argument("--tree", type=Path, default=REPO, help="serve the app from this source tree")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JINGMIN_SECRET": BENCH_SECRET, "PYTHONPATH": str(REPO)}
    demo = args.demo or args.work / "demo.duckdb"
    if not demo.exists():
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--db", str(demo)], cwd=REPO, env=env, check=True)
    db = args.work / "served.duckdb"
    shutil.copyfile(demo, db)
    upload = args.work / f"survey_phone_2026q3_concurrency_{args.rows}_gbk.csv"
    write_upload(upload, db, args.rows)
    log = args.work / "streamlit.log"
    load = os.getloadavg()
    started = dt.datetime.now().isoformat(timespec="seconds")
    site = args.work / "dumpsite"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(DUMP_SITE, encoding="utf-8")
    server = Server(args.tree, db, log, pythonpath=(site,))
    DUMPS["pid"] = server.process.pid
    try:
        found = asyncio.run(scenario(server.url, args.sessions, args.protocol_sessions, args.rounds, upload,
                                     server.process.pid))
    finally:
        server.stop()
    load_after = os.getloadavg()
    con = duckdb.connect(str(db), read_only=True)
    try:
        batches = con.execute("SELECT batch_id, row_count, status FROM batches WHERE source_name = $name",
                              {"name": upload.name}).fetchall()
        respondents = con.execute("SELECT count(*) FROM respondents r JOIN batches b USING (batch_id) "
                                  "WHERE b.source_name = $name", {"name": upload.name}).fetchone()[0]
    finally:
        con.close()
    walkers, up = found["walkers"], found["uploader"] or {}
    times = [x["seconds"] for w in walkers for x in w["times"]]
    during = [x["seconds"] for w in walkers for x in w["times"] if x["during_upload"]]
    errors = [e for w in walkers for e in w["errors"]] + up.get("errors", []) + found["crashed"]
    # A browser session must show the tiles the uploader's browser shows; a protocol session those a new protocol
    # session reads after the upload (the same values, as the server sends them, before the browser formats them).
    reference = {"browser": up.get("tiles_after"), "protocol": found["protocol_reference_tiles"]}
    sees_new = [bool(w.get("tiles_before")) and w.get("tiles_after") == reference[w.get("client", "browser")]
                and w.get("tiles_after") != w.get("tiles_before") for w in walkers]
    by_client = {client: [x["seconds"] for w in walkers if w.get("client", "browser") == client for x in w["times"]]
                 for client in ("browser", "protocol")}
    summary = {
        "page_switches": len(times), "p50_s": statistics.median(times) if times else None,
        "p95_s": percentile(times, 0.95) if times else None, "max_s": max(times) if times else None,
        "p95_during_upload_s": percentile(during, 0.95) if during else None, "switches_during_upload": len(during),
        "first_page_p95_s": percentile([w["first_page"] for w in walkers], 0.95) if walkers else None,
        "p95_by_client_s": {client: percentile(values, 0.95) for client, values in by_client.items() if values},
        "p50_by_client_s": {client: statistics.median(values) for client, values in by_client.items() if values},
        "cpu_during_scenario": found.get("cpu"),
        "stalls": len(STALLS), "attribute_missed_runs": len(ATTRIBUTE_MISSED), "errors": len(errors),
        "upload_seconds": up.get("upload_seconds"),
        "load_click_to_end_s": up.get("load_click_to_end"), "upload_batches": batches,
        "upload_respondents": respondents, "sessions_completed": len(walkers),
        "sessions_seeing_new_data": sum(sees_new),
    }
    targets = {"p95_at_most_4s": summary["p95_s"] is not None and summary["p95_s"] <= 4.0,
               "no_errors": not errors,
               "upload_landed_once": len(batches) == 1 and respondents == args.rows,
               "every_session_sees_new_data": len(walkers) == args.sessions + args.protocol_sessions and all(sees_new)}
    results = {"started": started, "machine": machine(), "sessions": args.sessions,
               "protocol_sessions": args.protocol_sessions, "rounds": args.rounds,
               "rows": args.rows, "pages": [p or "overview" for p in PAGES], "loadavg_before": load,
               "loadavg_after": load_after, "summary": summary, "targets": targets, "errors": errors[:50],
               "stalls": STALLS, "uploader": up, "walkers": walkers,
               "finished": dt.datetime.now().isoformat(timespec="seconds")}
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(json.dumps({"summary": summary, "targets": targets, "errors": errors[:10]}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
