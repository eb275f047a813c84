"""The layer rules in pyproject.toml ([tool.importlinter]) hold: the engine never imports the UI, and each engine
layer imports only the layers below it. Run as a test so the README's test command (and so CI) enforces them.
In tests/data, not tests/unit: each test runs lint-imports over the whole tree in a child process (seconds)."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    exe = shutil.which("lint-imports")
    assert exe, "lint-imports is missing: pip install -r requirements-dev.txt"
    result = subprocess.run([exe, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _lint_copy_with(tmp_path, module: str, line: str) -> str:
    """lint-imports' report on a copy of the tree where ``analytics/<module>`` gains ``line``."""
    exe = shutil.which("lint-imports")
    assert exe
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "analytics", copy / "analytics", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "app_pages", copy / "app_pages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "analytics" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa: E402,F401\n", encoding="utf-8")
    result = subprocess.run([exe, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode != 0
    return result.stdout


def test_a_forbidden_import_breaks_the_contract(tmp_path):
    """The contract can fail: a copy of the tree where the engine imports streamlit is reported as broken."""
    out = _lint_copy_with(tmp_path, "errors.py", "import streamlit")
    assert "The engine never imports the UI" in out and "BROKEN" in out


def test_a_duckdb_import_outside_db_breaks_the_boundary(tmp_path):
    """Only analytics.db may import duckdb: a copy where the engine imports it directly is reported as broken
    (the import through analytics.db that every module has is not)."""
    out = _lint_copy_with(tmp_path, "engine.py", "from duckdb import DuckDBPyConnection")
    assert "One database boundary: only analytics.db imports duckdb BROKEN" in out
    assert "analytics.engine -> duckdb" in out
