"""Issue 21: Ctrl-C at any moment of ``python -m analytics`` ends it with one line and exit code 130, no traceback.

The command is sent SIGINT from ~10 ms after ``analytics/__main__.py`` starts (the imports of
numpy, pandas, duckdb and the commands follow, about a second) to well into its work (waiting for a database
another process holds locked). Before ``__main__`` runs, Python itself is starting (``site`` and its ``.pth``
files: 20-200 ms on the test machine, see README "Exit codes"); Ctrl-C then is Python's own KeyboardInterrupt,
which no code of the project can catch. So the delays count from the end of Python's start-up (the child runs
with ``-X importtime``, whose line for the ``analytics`` package marks it), not from the process start.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from analytics import store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def locked_db(tmp_path_factory):
    """A database this (test) process holds open for writing: the CLI waits for its lock until stopped."""
    path = tmp_path_factory.mktemp("sigint") / "locked.duckdb"
    store.connect(path).close()
    con = duckdb.connect(str(path))
    yield path
    con.close()


def wait_for_package_import(proc: subprocess.Popen) -> None:
    """Read the child's ``-X importtime`` lines until the ``analytics`` package is imported: Python's start-up
    is over, and runpy runs ``analytics/__main__.py`` next."""
    for line in proc.stderr:
        if line.rstrip().endswith("| analytics"):
            return
    raise AssertionError("the command ended before importing the analytics package")


@pytest.mark.parametrize("delay", [0.01, 0.05, 0.1, 0.2, 0.35, 0.6, 1.0, 2.5])
def test_ctrl_c_at_any_moment_exits_130_without_traceback(locked_db, delay):
    env = {**os.environ, "PYTHONPATH": str(REPO), "JINGMIN_LOCK_TIMEOUT": "60",
           "JINGMIN_SECRET": "test-secret-0123456789abcdef"}
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "analytics", "batches", "--db",
                             str(locked_db)], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_for_package_import(proc)
    time.sleep(delay)
    assert proc.poll() is None, "the command ended before the signal: the test would prove nothing"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert proc.returncode == 130, (proc.returncode, err)
    said = [line for line in err.splitlines() if line.strip() and not line.startswith("import time:")]
    assert said[-1:] == ["interrupted"], err
