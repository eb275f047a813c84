"""Shared fixtures: databases are built from committed text into tmp_path, never committed binaries."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from analytics import engine, store

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the markers in each worker
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``-n 2 --dist loadgroup``, not the default: README, Tests): one worker runs a whole
    module, so a module-scoped fixture is built once, not once per worker; and one worker runs all of tests/e2e, whose
    session fixtures (the demo database built by the CLI, Chromium, the shared server) and screenshot
    folder are one per session."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    e2e = TESTS / "e2e"
    for item in items:
        path = Path(str(item.fspath))
        # The module's name is the group (xdist appends it to the test's id: ``::test_x@test_module``).
        group = "e2e" if e2e in path.parents else path.stem
        item.add_marker(pytest.mark.xdist_group(group))
    # Groups are handed out in collection order (``--no-loadscope-reorder``): the browser tests, by far the
    # longest group (about 5 minutes), go first, so the other worker runs the rest meanwhile instead of
    # waiting for them at the end.
    items.sort(key=lambda item: e2e not in Path(str(item.fspath)).parents)


@pytest.fixture
def empty_db(tmp_path):
    """A migrated, empty database in tmp_path (a non-default path: no demo is built)."""
    con = store.connect(tmp_path / "empty.duckdb")
    yield con
    con.close()


@pytest.fixture
def fixture_db(tmp_path):
    """The tiny hand-computable city of tests/data/fixture_survey.sql, with no suppression."""
    con = store.connect(tmp_path / "fixture.duckdb")
    con.execute((TESTS / "data" / "fixture_survey.sql").read_text(encoding="utf-8"))
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")
    engine.refresh_cells(con)
    yield con
    con.close()


def build_synthetic_city(con, *, respondents: int = 6000, seed: int = 7) -> None:
    """Fill ``con`` with a city of 2 districts x 2 stations (+ one tiny station) over 2024-2025.

    Rates differ by station so scorecards have distinct numbers; station S5 has 20 respondents in
    all, so its quarterly rates are suppressed.
    """
    import numpy as np
    import pandas as pd

    con.execute("""
        INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population) VALUES
        ('C', '测试市', 'Test City', NULL, 'city', 500), ('D1', '一区', 'District One', 'C', 'district', 250),
        ('D2', '二区', 'District Two', 'C', 'district', 250), ('S1', '甲派出所', 'Station A', 'D1', 'station', 100),
        ('S2', '乙派出所', 'Station B', 'D1', 'station', 150), ('S3', '丙派出所', 'Station C', 'D2', 'station', 100),
        ('S4', '丁派出所', 'Station D', 'D2', 'station', 140), ('S5', '戊派出所', 'Station E', 'D2', 'station', 10)""")
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (1, 'survey', 'synthetic.csv', 'synthetic', $n)", {"n": respondents + 20})
    rng = np.random.default_rng(seed)
    stations = np.concatenate([rng.choice(["S1", "S2", "S3", "S4"], respondents), np.repeat("S5", 20)])
    total = len(stations)
    frame = pd.DataFrame({
        "respondent_key": np.arange(1, total + 1), "batch_id": 1,
        "respondent_id": [f"R{i}" for i in range(total)], "jurisdiction_code": stations,
        "interview_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731, total), "D"),
        "design_weight": rng.uniform(0.5, 2.0, total)})
    frame["weight"] = frame["design_weight"]  # frame is read by DuckDB's replacement scan below
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,"
                " design_weight, weight) SELECT * FROM frame")
    base = {"S1": 0.55, "S2": 0.7, "S3": 0.8, "S4": 0.6, "S5": 0.5}
    prob = np.array([base[s] for s in stations])
    rows = []
    for item in ("seen_police", "knows_officer", "knows_contact"):
        codes = np.where(rng.random(total) < prob, "1", "0")
        codes[rng.random(total) < 0.03] = "9"
        rows.append(pd.DataFrame({"respondent_key": frame["respondent_key"], "batch_id": 1, "item": item,
                                  "code": codes}))
    for item in ("satisfaction", "safety", "trust"):
        high = rng.random(total) < prob
        codes = np.where(high, rng.choice(["4", "5"], total), rng.choice(["1", "2", "3"], total))
        codes[rng.random(total) < 0.03] = "9"
        rows.append(pd.DataFrame({"respondent_key": frame["respondent_key"], "batch_id": 1, "item": item,
                                  "code": codes}))
    answer_rows = pd.concat(rows, ignore_index=True)  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute("INSERT INTO answers SELECT * FROM answer_rows")
    from analytics import engine as _engine

    _engine.refresh_cells(con)


def copy_db(template: Path, target: Path) -> Path:
    """Copy the closed database file ``template`` (and its WAL, if any) to ``target``; returns ``target``."""
    shutil.copyfile(template, target)
    wal = template.with_name(template.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Callable[[str, Callable[[Path], object]], Path]:
    """``built_db(name, build)``: the database file ``build(path)`` fills, built once per test session.

    Building a city (migrations, the ingestion pipeline, argon2 password hashes) takes seconds; the same
    build repeated per test was a large share of the suite's time. A test gets its own copy of the file
    (:func:`copy_db`, a few milliseconds), never the template itself, so what one test writes no other test
    sees. ``name`` must name one build: the first ``build`` given for a name is the one that runs.
    """
    built: dict[str, Path] = {}

    def get(name: str, build: Callable[[Path], object]) -> Path:
        if name not in built:
            path = tmp_path_factory.mktemp(f"template-{name}") / f"{name}.duckdb"
            build(path)
            built[name] = path
        return built[name]

    return get


def _build_synthetic(path: Path) -> None:
    con = store.connect(path)
    try:
        build_synthetic_city(con)
    finally:
        con.close()


def build_demo_city(path: Path) -> None:
    """The demo city of data/demo/ through the ingestion pipeline (analytics.demo), as the local admin."""
    from analytics.demo import build_demo_database
    from analytics.roles import LOCAL_USER

    con = store.connect(path)
    try:
        build_demo_database(con, user=LOCAL_USER)
    finally:
        con.close()


@pytest.fixture
def synthetic_db_path(tmp_path, built_db):
    """Path of a database file holding the synthetic city (closed, ready for the app to open): this test's own
    copy of one build per session."""
    return copy_db(built_db("synthetic", _build_synthetic), tmp_path / "synthetic.duckdb")

