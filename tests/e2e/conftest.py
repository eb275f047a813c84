"""Browser tests: the real front end in Debian's Chromium, driven by Playwright, against `streamlit run`.

* ``chromium`` — makes sure ``/usr/bin/chromium`` exists; on a fresh CI machine (we are root there) it runs
  ``apt-get install -y chromium fonts-noto-cjk``. If that does not give a browser that starts, the tests FAIL
  (never skip): CI must run them.
* ``demo_db`` — one database built from ``data/demo/`` by ``python -m analytics demo --db``, never opened by a
  server; tests copy it (``db_copy``) before starting a server, because a running server holds DuckDB's file
  lock and the CLI cannot open the server's file while it runs.
* ``app_server`` — one ``streamlit run dashboard.py`` for the read-only scenarios (on its own copy).
  ``server_factory`` starts private servers for the scenarios that change data.
* ``page`` — a fresh browser context (a new Streamlit session) per test; a screenshot is saved when a test
  fails. Screenshots go to ``test-output/e2e/`` under the repository root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.e2e import ui
from tests.e2e.server import REPO, StreamlitServer, subprocess_env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OUTPUT = REPO / "test-output" / "e2e"
CHROMIUM = os.environ.get("JINGMIN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ui.CHROMIUM_ARGS
APT_PACKAGES = ["chromium", "fonts-noto-cjk"]


def pytest_collection_modifyitems(items):
    """Everything under tests/e2e is a browser test (marker ``e2e``), whatever its module says."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter):
    """Say where the screenshots are, when browser tests ran."""
    ran = any(getattr(report, "nodeid", "").startswith("tests/e2e/")
              for outcome in ("passed", "failed", "error") for report in terminalreporter.stats.get(outcome, []))
    if ran and OUTPUT.exists():
        shots = sorted(OUTPUT.rglob("*.png"))
        terminalreporter.write_line(f"e2e: {len(shots)} screenshots in {OUTPUT}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so the page fixture can screenshot failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# ---------------------------------------------------------------------------------------------------------
# Chromium and Playwright


def _chromium_version(path: str) -> str | None:
    """The browser's version line, or None when it does not run."""
    if not Path(path).exists():
        return None
    try:
        done = subprocess.run([path, *CHROMIUM_ARGS, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and "Chromium" in done.stdout else None


def _has_cjk_font() -> bool:
    try:
        done = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(done.stdout.strip())


def _apt_install(packages: list[str]) -> None:
    """apt-get update + install (CI runs as root); raises CalledProcessError/OSError when that fails."""
    if shutil.which("apt-get") is None:
        raise OSError("apt-get is not available on this machine")
    if os.geteuid() != 0:
        raise OSError(f"not root: run `sudo apt-get install -y --no-install-recommends {' '.join(packages)}`")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"\n[e2e] installing {' '.join(packages)} with apt-get", flush=True)
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *packages], check=True, env=env)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a Chromium that starts; installs Debian's package when it is missing, else FAILS."""
    version = _chromium_version(CHROMIUM)
    if version is None:
        try:
            _apt_install(APT_PACKAGES)
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.fail(f"Chromium is missing at {CHROMIUM} and could not be installed ({exc}). The browser tests "
                        "need Debian's chromium package: apt-get install -y chromium fonts-noto-cjk", pytrace=False)
        version = _chromium_version(CHROMIUM)
        if version is None:
            pytest.fail(f"apt-get installed chromium, but {CHROMIUM} --version does not run.", pytrace=False)
    elif not _has_cjk_font():
        try:
            _apt_install(["fonts-noto-cjk"])
        except (OSError, subprocess.CalledProcessError) as exc:
            warnings.warn(f"No Chinese font (fonts-noto-cjk) and it could not be installed ({exc}): "
                          "screenshots will show boxes instead of Chinese text.", stacklevel=1)
    print(f"\n[e2e] browser: {version} ({CHROMIUM}); screenshots: {OUTPUT}", flush=True)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium) -> Browser:
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:  # any launch failure must fail loudly with its message
            pytest.fail(f"Playwright could not start {chromium}: {exc}", pytrace=False)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """test-output/e2e/ under the repository root (git-ignored), emptied at the start of each run."""
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture
def page(browser, output_dir, request) -> Page:
    """A fresh browser page per test; a full screenshot goes to test-output/e2e/failures/ when the test fails."""
    opened = ui.new_page(browser)
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        failures = output_dir / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid.split("::", 1)[-1])
        try:
            ui.full_screenshot(opened, failures / f"{name}.png", settle_first=False)
            print(f"\n[e2e] failure screenshot: {failures / f'{name}.png'}", flush=True)
        except (PlaywrightError, OSError) as exc:  # a screenshot must not hide the real failure
            print(f"\n[e2e] no failure screenshot: {exc}", flush=True)
        print("[e2e] browser console:\n" + ("\n".join(ui.console_log(opened)[-30:]) or "(empty)"), flush=True)
    ui.CONSOLE.pop(id(opened), None)
    opened.context.close()


# ---------------------------------------------------------------------------------------------------------
# Database and server


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo city built by ``python -m analytics demo --db`` into a temporary folder (never served itself)."""
    prebuilt = os.environ.get("JINGMIN_E2E_DEMO_DB")  # development shortcut: copy a database built before
    path = tmp_path_factory.mktemp("e2e-db") / "e2e.duckdb"
    if prebuilt:
        shutil.copyfile(prebuilt, path)
        return path
    command = [sys.executable, "-m", "analytics", "demo", "--db", str(path)]
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not path.exists():
        pytest.fail(f"`{' '.join(command[1:])}` failed (exit {done.returncode}); the browser tests need the demo "
                    f"database.\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}", pytrace=False)
    print(f"\n[e2e] demo database built in {time.monotonic() - started:.1f}s", flush=True)
    return path


@pytest.fixture
def db_copy(demo_db, tmp_path):
    """``db_copy(name)``: a private copy of the demo database in this test's tmp_path."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(demo_db, target)
        wal = demo_db.with_name(demo_db.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))
        return target

    return make


@pytest.fixture(scope="session")
def app_server(browser, demo_db, tmp_path_factory):
    """The shared server for scenarios that only read (on its own copy of the demo database)."""
    folder = tmp_path_factory.mktemp("e2e-shared")
    db = folder / "shared.duckdb"
    shutil.copyfile(demo_db, db)
    server = StreamlitServer(db, folder / "streamlit.log").start(browser)
    print(f"\n[e2e] shared server {server.url} (log {server.log})", flush=True)
    yield server
    server.stop()


@pytest.fixture
def server_factory(browser, tmp_path):
    """``server_factory(db)`` starts a private server on ``db`` (stopped after the test; ``.stop()`` earlier
    to read its database with the CLI)."""
    servers: list[StreamlitServer] = []

    def start(db: Path) -> StreamlitServer:
        server = StreamlitServer(db, tmp_path / f"streamlit-{len(servers)}.log")
        servers.append(server)
        return server.start(browser)

    yield start
    for server in servers:
        server.stop()
