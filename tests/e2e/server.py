"""Processes the browser tests start: the CLI on a database file, and `streamlit run dashboard.py`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e import ui

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[2]
# A fixed hashing key for every process the tests start, so nothing writes data/.jingmin_secret in the tree.
SECRET = "e2e-test-secret-0123456789abcdef0123456789"
HEALTH_TIMEOUT_S = 60


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of every process the tests start: the repository importable, a fixed secret."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["JINGMIN_SECRET"] = SECRET
    env.pop("JINGMIN_DB", None)
    env.update(extra)
    return env


def cli(db: Path, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m analytics ARGS --db DB``; fails the test with the command's output when it fails."""
    command = [sys.executable, "-m", "analytics", *args, "--db", str(db)]
    done = subprocess.run(command, cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=300,
                          input=stdin)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """``streamlit run dashboard.py`` on a free local port with ``JINGMIN_DB`` = ``db``; its log in ``log``."""

    def __init__(self, db: Path, log: Path):
        self.db = db
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def start(self, browser: Browser) -> StreamlitServer:
        """Start, wait for /_stcore/health, then load the root URL once (see tests/e2e/README.md)."""
        self.port = free_port()
        command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(self.port),
                   "--server.headless", "true", "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=subprocess_env(JINGMIN_DB=str(self.db)),
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"streamlit exited with {self.process.returncode} before it was healthy:\n"
                            f"{self.log_tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"streamlit was not healthy after {HEALTH_TIMEOUT_S}s:\n{self.log_tail()}", pytrace=False)
            time.sleep(0.25)
        # One run of the root URL first, so the demo database is open and the first scenario's timing is its own.
        warm = ui.new_page(browser)
        try:
            warm.goto(self.url + "/")
            ui.settle(warm, timeout=120_000)
        finally:
            warm.context.close()
        return self

    def stop(self) -> None:
        """Terminate the server and its process group (SIGTERM, then SIGKILL after 10 s); releases the db lock."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
