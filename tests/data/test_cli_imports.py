"""The command line starts light (issue 14.6): building the parser must not import the heavy stack.

``python -m analytics --help`` builds every command's parser, so one command module importing pandas,
scipy or the ingest pipeline at its top makes every invocation pay for it (scipy.stats alone took ~3.7 s
under load). Rather than time the process (noisy on a shared machine), each case runs the command in a
fresh interpreter, lists ``sys.modules`` when it exits, and checks that none of the heavy ones
were imported. Timings are in benchmarks/cli.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Third-party packages (top-level names) and Jingmin modules that no parser needs.
HEAVY_PACKAGES = {"scipy", "pandas", "numpy", "pyarrow", "plotly", "openpyxl", "pptx", "lxml", "rapidfuzz",
                  "charset_normalizer", "streamlit"}
# The upload's stage modules (analytics.ingest.plan, raw, typed, checks, load) count as the pipeline itself.
INGEST_STAGES = {f"analytics.ingest.{m}" for m in ("pipeline", "plan", "raw", "typed", "checks", "load")}
REPORT_MODULES = {"analytics.report", "analytics.report_common", "analytics.report_pptx", "analytics.report_html"}
HEAVY_MODULES = {"analytics.engine", "analytics.stats", "analytics.compare", "analytics.trends", "analytics.peers",
                 "analytics.weights", "analytics.forum",
                 "analytics.ingest.reading", "analytics.ingest.mapping", *REPORT_MODULES, *INGEST_STAGES}
# A small command (batches list) needs pandas for its table, but never scipy, the readers or the pipeline.
SMALL_COMMAND_FORBIDDEN = {"scipy", "plotly", "openpyxl", "pptx", "lxml", "rapidfuzz", "charset_normalizer",
                           "streamlit", "analytics.ingest.reading", *REPORT_MODULES, *INGEST_STAGES}


# Runs ``python -m analytics ARGS`` (runpy, as -m does) and, at exit, writes the names in sys.modules.
# sys.modules rather than ``-X importtime``: the latter misses modules loaded by importlib.import_module,
# which is how the parser collects the command modules.
_RUNNER = """
import atexit, runpy, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w", encoding="utf-8").write("\\n".join(sorted(sys.modules))))
sys.argv = ["analytics", *sys.argv[2:]]
runpy.run_module("analytics", run_name="__main__", alter_sys=True)
"""


def imported_modules(*args: str, tmp: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run ``python -m analytics ARGS`` in a fresh interpreter; return every module it imported."""
    out = tmp / "modules.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(out), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert out.exists(), f"the command did not finish:\n{proc.stderr[-2000:]}"
    names = set(out.read_text(encoding="utf-8").split())
    assert "analytics.cli" in names and "argparse" in names
    return names, proc


def offending(names: set[str], forbidden: set[str]) -> list[str]:
    """The imported modules that are, or belong to a package, in ``forbidden``."""
    return sorted(n for n in names if n in forbidden or n.split(".")[0] in forbidden)


@pytest.mark.parametrize("args", [["--help"], ["indicators", "--help"], ["batches", "--help"],
                                  ["ingest", "--help"], ["weights", "show", "--help"]])
def test_help_imports_nothing_heavy(args, tmp_path):
    names, proc = imported_modules(*args, tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: python -m analytics" in proc.stdout
    assert offending(names, HEAVY_PACKAGES | HEAVY_MODULES) == []


def test_every_command_module_is_loaded_for_help(tmp_path):
    """The rule above is only meaningful if --help really builds every command's parser."""
    names, _proc = imported_modules("--help", tmp=tmp_path)
    commands = sorted(p.stem for p in (REPO / "analytics" / "cli").glob("*.py") if not p.stem.startswith("_"))
    assert len(commands) >= 10
    assert [c for c in commands if f"analytics.cli.{c}" not in names] == []


def test_small_command_skips_scipy_and_the_ingest_pipeline(tmp_path):
    from analytics import store

    store.connect(tmp_path / "empty.duckdb").close()  # read-only commands need an existing store
    names, proc = imported_modules("batches", "list", "--db", str(tmp_path / "empty.duckdb"), tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[0].startswith("batch_id")  # the (empty) table's header was written
    assert offending(names, SMALL_COMMAND_FORBIDDEN) == []
