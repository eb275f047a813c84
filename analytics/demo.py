"""The demo city: build a database from the shipped demo inputs in ``data/demo/``.

The inputs are the files an analyst would receive (a GBK-encoded Chinese-header phone survey, an
Excel export with a title row, a UTF-8-BOM SMS rating file, case exports); they go through the same
ingestion pipeline as any upload. ``python -m tools.demo_data`` regenerates the inputs.
"""

from __future__ import annotations

import duckdb

from analytics import geo, published
from analytics.ingest import ingest_file
from analytics.published import ResultsSpec
from analytics.roles import User
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


def build_demo_database(con: duckdb.DuckDBPyConnection, *, user: User) -> list[int]:
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
