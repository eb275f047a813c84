"""The demo city: build a database from the shipped demo inputs in ``data/demo/``.

The inputs are the files an analyst would receive (a GBK-encoded Chinese-header phone survey, an
Excel export with a title row, a UTF-8-BOM SMS rating file, case exports); they go through the same
ingestion pipeline as any upload. ``python -m tools.demo_data`` regenerates the inputs.
"""

from __future__ import annotations

import duckdb

from analytics import geo
from analytics.auth import User
from analytics.ingest import ingest_file
from analytics.store import REPO_ROOT

DEMO_DIR = REPO_ROOT / "data" / "demo"

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
# Shapes of the demo districts and stations for the map (not a data batch: stored by analytics.geo).
DEMO_BOUNDARIES = "boundaries.geojson"


def build_demo_database(con: duckdb.DuckDBPyConnection, *, actor: str = "demo") -> list[int]:
    """Load every demo input file through the ingestion pipeline and store the demo boundaries; returns the
    batch ids."""
    batch_ids = []
    for kind, name in DEMO_FILES:
        constants = {"mode": SURVEY_MODES.get(name, "phone")} if kind == "survey" else None
        result = ingest_file(con, kind, DEMO_DIR / name, constants=constants, actor=actor)
        batch_ids.append(result.batch_id)
    shapes = geo.read_geojson((DEMO_DIR / DEMO_BOUNDARIES).read_bytes(), source_name=DEMO_BOUNDARIES)
    geo.save_boundaries(con, geo.match_boundaries(con, shapes), source_name=DEMO_BOUNDARIES,
                        user=User(actor, "admin"))
    return batch_ids
