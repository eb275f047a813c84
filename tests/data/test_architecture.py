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


def test_a_forbidden_import_breaks_the_contract(tmp_path):
    """The contract can fail: a copy of the tree where the engine imports streamlit is reported as broken."""
    exe = shutil.which("lint-imports")
    assert exe
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "analytics", copy / "analytics", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "app_pages", copy / "app_pages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    errors = copy / "analytics" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nimport streamlit  # noqa: E402,F401\n", encoding="utf-8")
    result = subprocess.run([exe, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode != 0
    assert "The engine never imports the UI" in result.stdout and "BROKEN" in result.stdout
