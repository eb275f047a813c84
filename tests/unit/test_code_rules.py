"""Project rules that a reviewer would otherwise have to remember (see DEVELOPERS.md)."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE_FILES = sorted((REPO / "analytics").rglob("*.py"))
UI_FILES = sorted((REPO / "app_pages").glob("*.py")) + [REPO / "dashboard.py"]


def test_engine_never_imports_streamlit():
    offenders = [str(p.relative_to(REPO)) for p in ENGINE_FILES
                 if re.search(r"^\s*(import streamlit|from streamlit)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_no_broad_except():
    pattern = re.compile(r"except\s*(Exception|BaseException)?\s*(as \w+)?:")
    offenders = []
    for path in ENGINE_FILES + UI_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and "# noqa" not in line:
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_sql_built_with_f_strings():
    pattern = re.compile(r"""(execute|sql|executemany)\(\s*f["']""")
    offenders = [f"{p.relative_to(REPO)}:{n}" for p in ENGINE_FILES + UI_FILES
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_sql_text_is_concatenated_only_from_constants_or_a_checked_path():
    """Where DuckDB binds no parameter (EXPORT/IMPORT DATABASE), a path goes through sqlfiles.path_literal;
    any other piece joined into SQL text is an UPPER_CASE constant of the module, never a value."""
    pattern = re.compile(r"""(execute|sql)\(\s*["'][^"']*["']\s*\+\s*(?P<piece>[\w.]+(\()?)""")
    offenders = []
    for path in ENGINE_FILES + UI_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = pattern.search(line)
            if not match:
                continue
            piece = match.group("piece")
            if piece != "sqlfiles.path_literal(" and not re.fullmatch(r"[A-Z][A-Z0-9_]*", piece):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_ruff_clean():
    folders = ("analytics", "app_pages", "dashboard.py", "tests", "benchmarks", "tools")
    paths = [p for p in folders if (REPO / p).exists()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *paths], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    first_two = [block.strip() for block in commands[:2]]
    assert first_two[0] == "pip install -r requirements.txt && streamlit run dashboard.py"
    assert first_two[1] == "pip install -r requirements-dev.txt && python -m pytest"
    assert first_two[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_unit_tests_never_touch_duckdb():
    """tests/unit is for pure functions (fast); anything that opens DuckDB belongs in tests/data."""
    pattern = re.compile(r"^\s*(import duckdb|from duckdb|from analytics import .*\bstore\b|from analytics\.store)"
                         r"|\b(duckdb|store)\.connect\(|\b(fixture_db|empty_db|synthetic_db_path)\b", re.M)
    offenders = [str(p.relative_to(REPO)) for p in sorted((REPO / "tests" / "unit").glob("*.py"))
                 if p != Path(__file__).resolve() and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_migration_numbers_are_unique():
    """Two branches that each add migration NNNN would leave one unapplied on databases that have the other."""
    names = [p.name for p in (REPO / "analytics" / "migrations").glob("*.sql")]
    numbers = [name.split("_", 1)[0] for name in names]
    assert len(numbers) == len(set(numbers)), sorted(names)


def test_drivers_queries_share_one_respondent_filter():
    """The respondent filter of key-driver analysis is written once (drivers/respondent_filter) and required by
    each drivers query, not copied into them."""
    from analytics.sqlfiles import load_sql, requirements

    for name in ("drivers/moments", "drivers/performance"):
        assert "drivers/respondent_filter" in requirements(name)
        text = load_sql(name)
        assert "jm_driver_respondents(" in text and "FROM respondents" not in text


def test_the_seed_file_is_generated_from_the_current_defaults():
    """analytics/sql/store/seed_definitions.sql is what tools/seed_sql.py writes from analytics/definitions.py:
    after editing a default, run `python -m tools.seed_sql`."""
    from tools.seed_sql import OUT, seed_sql

    assert OUT.read_text(encoding="utf-8") == seed_sql()


# SQL written as a Python string: a string constant that starts with a statement keyword. Fixed statements belong in
# named files (analytics/sql/<topic>/<name>.sql, run through analytics.db); SQL generated from allow-listed
# identifiers (the ingest plan's columns, published tables) may stay in Python. The counts below are what is left
# to move (issue 14): a file may only go down, and the number is lowered with it, so a new literal anywhere fails.
_SQL_LITERAL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|COPY|PRAGMA|SET|ATTACH|DETACH)\s")
SQL_LITERALS_LEFT = {
    # analytics/ingest: only SQL whose shape the file decides is left, generated from allow-listed identifiers
    # (sqlrun.ident): the field views and answer views of the column plan (plan.py), the staged read and the
    # kept, hashed columns (raw.py), read_csv's column list and the workbook's table (reading.py), the date
    # order probe and the parse of each given field (typed.py), the answer cells coded one column per item column
    # (checks.py: the table, its chunks, the long view). Fixed statements and the per-field check templates (@F,
    # sqlrun.field_sql) are named files under analytics/sql/ingest/.
    "analytics/ingest/checks.py": 3,
    "analytics/ingest/plan.py": 4,
    "analytics/ingest/raw.py": 2,
    "analytics/ingest/reading.py": 3,
    "analytics/ingest/typed.py": 4,
    # the cells SELECT generated from the mapped columns (staging names c0..cN): long, wide, and the table
    "analytics/published.py": 3,
}


def sql_literals(source: str) -> int:
    """How many string constants in ``source`` start with a SQL statement keyword (upper case, as the project
    writes SQL)."""
    import ast

    return sum(1 for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_LITERAL.match(node.value))


def test_sql_literal_scan_finds_statements_and_ignores_prose():
    source = ('x = "SELECT 1"\ncon.execute("INSERT INTO t VALUES ($a)", {})\n'
              'run(con, "CREATE OR REPLACE TEMP TABLE t AS " + sql)\ndoc = "Select a period."\nname = "SELECTED"\n')
    assert sql_literals(source) == 3


def test_no_new_sql_literals_in_python():
    found = {}
    for path in ENGINE_FILES:
        rel = path.relative_to(REPO).as_posix()
        if rel == "analytics/db.py":
            continue
        count = sql_literals(path.read_text(encoding="utf-8"))
        if count:
            found[rel] = count
    grown = {f: (n, SQL_LITERALS_LEFT.get(f, 0)) for f, n in found.items() if n > SQL_LITERALS_LEFT.get(f, 0)}
    assert not grown, ("SQL written in Python (found, allowed): move it to analytics/sql/<topic>/<name>.sql and run "
                       f"it through analytics.db: {grown}")
    shrunk = {f: (found.get(f, 0), n) for f, n in SQL_LITERALS_LEFT.items() if found.get(f, 0) < n}
    assert not shrunk, f"Fewer SQL literals than allowed (found, allowed): lower SQL_LITERALS_LEFT: {shrunk}"


def test_only_the_database_boundary_runs_statements_on_a_connection():
    """Every statement runs through analytics.db (named files: execute, fetch_one, fetch_all, query_df,
    execute_many; generated SQL: run), which turns a DuckDB error into a JingminError saying what to do; a raw
    ``con.execute(...)`` or ``con.executemany(...)`` anywhere else in the engine or the pages would let DuckDB's
    own error reach the user. analytics/db.py itself is the one place that calls DuckDB."""
    pattern = re.compile(r"(?<!\bdb)\.execute(many)?\(")
    sources = [p for folder in ("analytics", "app_pages") for p in sorted((REPO / folder).rglob("*.py"))
               if p != REPO / "analytics" / "db.py"]
    assert len(sources) > 60  # the scan sees the tree
    offenders = [f"{p.relative_to(REPO)}:{n}: {line.strip()}" for p in sources
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_the_raw_execute_rule_finds_calls_and_leaves_the_boundary_alone():
    pattern = re.compile(r"(?<!\bdb)\.execute(many)?\(")
    assert pattern.search('rows = con.execute("SELECT 1").fetchall()')
    assert pattern.search("cur.executemany(sql, rows)")
    assert not pattern.search('db.execute(con, "ingest/macros")')
    assert not pattern.search('execute(con, "ingest/macros")')
