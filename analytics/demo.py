"""The demo city: build a database from the shipped demo inputs in ``data/demo/``.

The inputs are the files an analyst would receive (a GBK-encoded Chinese-header phone survey, an
Excel export with a title row, a UTF-8-BOM SMS rating file, case exports); they go through the same
ingestion pipeline as any upload. ``python -m tools.demo_data`` regenerates the inputs.

A fresh clone does not run that pipeline (about 8 s on a quiet 2-core machine, 50 s under load): it
imports ``data/demo/prebuilt/``, the same pipeline's result exported as Parquet by
``python -m tools.demo_prebuilt`` (about 2 MB, imported in well under a second). Its manifest records a
digest of the inputs, the migrations and this file; when they no longer match (an input or a migration
changed and nobody re-exported) the clone builds from the inputs as before, and
``tests/data/test_demo_prebuilt.py`` fails until the export is regenerated; the same test checks that a
rebuild gives identical tables. Personal numbers in the demo are hashed with :data:`DEMO_SECRET`, a
published key (the demo people are synthetic and their numbers are in ``data/demo/`` in clear): a
clone's own secret (``data/.jingmin_secret``) is still created and used for every upload.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from pathlib import Path

from analytics import db, geo, published, sqlfiles, store
from analytics.db import Connection
from analytics.ingest import ingest_file
from analytics.published import ResultsSpec
from analytics.roles import LOCAL_USER, User
from analytics.store import REPO_ROOT

DEMO_DIR = REPO_ROOT / "data" / "demo"
PREBUILT_DIR = DEMO_DIR / "prebuilt"
MANIFEST = "manifest.json"
# Not a secret: the key the shipped demo's synthetic phone numbers are hashed with (see the module docstring).
DEMO_SECRET = "jingmin-demo-city-public-key-synthetic-people-only"

# (kind, file name) in load order: the registry first, the case update after the cases it updates.
DEMO_FILES: list[tuple[str, str]] = [
    ("jurisdictions", "jurisdictions.csv"),
    ("survey", "survey_phone_2024q4_2025q3_gbk.csv"),
    ("survey", "survey_phone_2025q4_2026q3.xlsx"),
    ("survey", "survey_sms_2024q4_2026q3.csv"),
    ("cases", "cases_2024q4_2026q3.csv"),
    ("cases", "cases_update_2026q3.csv"),
    ("internal", "internal_evaluation_2024q4_2026q3.csv"),
    # Integrity (issue 18): interviewers and interview times, and who made each callback.
    ("survey", "survey_f2f_2026q3.csv"),
    ("cases", "callbacks_2026q3.csv"),
    ("cases", "cases_escalation_2026q3.csv"),
    ("disputes", "disputes_2024q4_2026q3.csv"),
    ("hazards", "hazards_2024q4_2026q3.csv"),
    ("demands", "demands_2024q4_2026q3.csv"),
    ("comments", "comments_2024q4_2026q3.csv"),
]
SURVEY_MODES = {"survey_sms_2024q4_2026q3.csv": "sms", "survey_f2f_2026q3.csv": "face_to_face"}
# Published results (issue 17), loaded after the survey so a fresh clone shows benchmarks: a provincial bureau's
# quarterly rates per city/county with base n (so intervals are drawn), and a neighbouring city's 0-10 mean scores
# without a base (shown as published, no interval). Each with the reading spec an analyst would confirm.
DEMO_PUBLISHED: list[tuple[str, ResultsSpec]] = [
    ("published_province_quarterly_2024q4_2026q3.csv", ResultsSpec(
        root="江南省", shape="wide", columns={"jurisdiction": "市县", "period": "季度", "n": "样本量"},
        measure_columns=["群众满意率(%)", "见警率(%)"], value_format="percent", window="quarter",
        source="江南省公安厅 群众安全感和满意度季度通报",
        measures={"群众满意率(%)": "satisfaction", "见警率(%)": "visibility"},
        measure_labels={"群众满意率(%)": "群众满意率", "见警率(%)": "见警率"})),
    ("published_neighbour_scores_2024q4_2026q3.csv", ResultsSpec(
        root="河口市", shape="long", columns={"jurisdiction": "地区", "period": "截止日期", "measure": "指标",
                                              "value": "得分", "source": "来源"},
        value_format="mean", scale=(0, 10), window="quarter")),
]
# Shapes of the demo districts and stations for the map (not a data batch: stored by analytics.geo).
DEMO_BOUNDARIES = "boundaries.geojson"


def build_demo_database(con: Connection, *, user: User) -> list[int]:
    """Load every demo input file through the ingestion pipeline, the published results with their specs, and
    store the demo boundaries, as ``user`` (who needs ``upload``: every step checks it); returns the batch ids
    (published loads not included: they are not batches)."""
    batch_ids = []
    for kind, name in DEMO_FILES:
        constants = {"mode": SURVEY_MODES.get(name, "phone")} if kind == "survey" else None
        result = ingest_file(con, kind, DEMO_DIR / name, constants=constants, user=user)
        batch_ids.append(result.batch_id)
    for name, spec in DEMO_PUBLISHED:
        published.load_results(con, DEMO_DIR / name, spec, user=user, create_jurisdictions=True)
    shapes = geo.read_geojson((DEMO_DIR / DEMO_BOUNDARIES).read_bytes(), source_name=DEMO_BOUNDARIES)
    geo.save_boundaries(con, geo.match_boundaries(con, shapes), source_name=DEMO_BOUNDARIES,
                        user=user)
    return batch_ids


def inputs_digest() -> str:
    """SHA-256 (hex) over what the demo database is built from: every data file in ``data/demo/`` (not
    its README, not the prebuilt export), the schema migrations and this module (the published-results
    specs live here)."""
    from analytics.store import migration_texts

    digest = hashlib.sha256()
    parts = [(f.name, f.read_bytes()) for f in sorted(DEMO_DIR.iterdir()) if f.is_file() and f.suffix != ".md"]
    parts += [(name, text.encode("utf-8")) for name, text in migration_texts()]
    parts.append((Path(__file__).name, Path(__file__).read_bytes()))
    for name, data in parts:
        digest.update(name.encode("utf-8") + b"\0" + data + b"\0")
    return digest.hexdigest()


def prebuilt_is_current(folder: Path = PREBUILT_DIR) -> bool:
    """Whether ``folder`` holds an export whose manifest matches today's inputs (:func:`inputs_digest`)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("inputs_sha256") == inputs_digest()


def export_prebuilt(con: Connection, folder: Path = PREBUILT_DIR) -> None:
    """Write ``con``'s database (a demo just built with :data:`DEMO_SECRET`) to ``folder`` as DuckDB's
    EXPORT DATABASE (schema.sql, load.sql, one zstd Parquet file per table) plus the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    # EXPORT DATABASE takes no parameters; the folder is ours (a fixed path or the tool's argument).
    db.run(con, "EXPORT DATABASE " + sqlfiles.path_literal(folder) + " (FORMAT parquet, COMPRESSION zstd)",
           what="exporting the demo database")
    # load.sql names each Parquet file by this machine's absolute path; IMPORT DATABASE resolves a bare file
    # name inside the folder it imports, so keep only the names (no path of the building machine in the repo).
    load = folder / "load.sql"
    prefix = "'" + os.path.realpath(folder) + os.sep
    load.write_text(load.read_text(encoding="utf-8").replace(prefix, "'"), encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({"inputs_sha256": inputs_digest()}, indent=1) + "\n",
                                   encoding="utf-8")


def import_prebuilt(con: Connection, folder: Path = PREBUILT_DIR) -> bool:
    """Fill ``con`` (a new, empty database, before any migration) from the export in ``folder`` when it is
    current; returns False (nothing done) when it is missing or out of date, so the caller builds instead."""
    if not prebuilt_is_current(folder):
        return False
    db.run(con, "IMPORT DATABASE " + sqlfiles.path_literal(folder),  # no parameters here either
           what="importing the prebuilt demo database")
    return True


def ensure_default_database(path: str | os.PathLike[str] | None = None, *,
                            open_write: Callable[[], AbstractContextManager[Connection]] | None = None) -> bool:
    """Fill the default database file (``data/jingmin.duckdb``) with the demo city when it does not exist yet,
    so that a fresh clone shows a populated dashboard; any other path, or an existing file, is left alone.

    The shipped export (:func:`import_prebuilt`) is imported when it is current (a fresh clone's first page in a
    fraction of a second), else the demo is built through the ingestion pipeline. Called by the entry points
    that open the default database (the dashboard, the CLI), never by the store. ``open_write`` opens the
    read-write connection to build with (the dashboard passes its ``writer`` so that the build holds its write
    gate); by default :func:`analytics.store.connect`. Returns whether it filled the file.
    """
    db_path = store.resolve_db_path(path)
    if db_path != store.DEFAULT_DB_PATH or db_path.exists():
        return False
    imported = False
    if prebuilt_is_current():
        # IMPORT DATABASE creates the tables itself, so it needs the new file before any migration; the
        # read-write open below then finds the schema current.
        with closing(store.connect(db_path, migrate_schema=False)) as con:
            imported = import_prebuilt(con)
    opener = open_write or (lambda: closing(store.connect(db_path)))
    with opener() as con:
        if not imported:
            # A new file has no account yet: the local admin builds the demo, as any first load.
            build_demo_database(con, user=LOCAL_USER)
    return True
