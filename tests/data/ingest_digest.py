"""What a set of survey loads leaves in the store, as digests: the check that ingest speed-ups change no result.

Run ``python -m tests.data.ingest_digest OUT.json`` to write the digests of the code in the working tree;
``tests/data/ingest_digest.json`` holds those of the code before issue 20's ingest changes (main at a1326fd),
and ``tests/data/test_ingest_identical.py`` compares. Each case loads survey files into a fresh store with the
fixture registry: the respondents (keys and person hashes included), answers, indicator cells and batches left
behind, or the exact problems of a rejected file; the loads run in sequence in one store, so that respondent
keys across batches and after a rejected load (the key sequence rolled back) are covered.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import duckdb

from analytics import store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, report_lines
from analytics.roles import LOCAL_USER

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ingest"
SECRET = "test-secret-0123456789abcdef"
# Stored columns that record when, not what (timestamps of the load).
_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
_WHEN = ("loaded_at", "removed_at", "created_at", "updated_at", "computed_at", "at")


def _generated(tmp: Path, rows: int) -> tuple[Path, Path]:
    """The benchmark generator's registry and a ``rows``-respondent survey (15 items, phone numbers, weights),
    rewritten with blank lines among the rows, so that row numbers and positions differ."""
    sys.path.insert(0, str(REPO))
    from benchmarks.generate import generate

    paths = generate(rows, tmp / "gen", gbk=False, cases=False)
    lines = paths["survey"].read_bytes().split(b"\n")
    blanky = tmp / "gen" / "survey_blank_lines.csv"
    out = [*lines[:10], b"", *lines[10:20], b"", b"", *lines[20:]]
    blanky.write_bytes(b"\n".join(out))
    return paths["jurisdictions"], blanky


def _table(con: duckdb.DuckDBPyConnection, table: str, where: str = "") -> dict[str, Any]:
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = $t AND table_schema = 'main' ORDER BY ordinal_position",
                                      {"t": table}).fetchall() if r[0] not in _WHEN and r[0] != "summary"]
    quoted = ", ".join('"' + c + '"' for c in cols)
    rows = con.execute("SELECT " + quoted + " FROM " + table + where + " ORDER BY ALL").fetchall()
    return _digest(rows)


def _digest(rows: list[Any]) -> dict[str, Any]:
    text = json.dumps(rows, default=str, ensure_ascii=False)
    return {"rows": len(rows), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return {t: _table(con, t) for t in ("batches", "respondents", "answers", "indicator_cells", "jurisdictions")}


def _load(con: duckdb.DuckDBPyConnection, kind: str, path: Path, **kwargs: Any) -> dict[str, Any]:
    try:
        result = ingest_file(con, kind, path, user=LOCAL_USER, **kwargs)
    except IngestError as exc:
        # Every problem (row, column, value, code, key), and the report's lines with load times masked.
        found = sorted((str(q.row), str(q.column), str(q.value), q.code, q.key) for q in exc.problems)
        lines = [_TIME.sub("<time>", line) for line in report_lines(exc)]
        return {"rejected": lines, "problems": _digest(found), "state": _state(con)}
    return {"rows": result.rows, "state": _state(con)}


def digests(tmp: Path) -> dict[str, Any]:
    """Load every case into stores under ``tmp``; return what each step left, as counts and SHA-256 digests."""
    os.environ["JINGMIN_SECRET"] = SECRET
    out: dict[str, Any] = {}
    con = store.connect(tmp / "fixtures.duckdb")
    ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
    steps = [
        ("survey_gbk_chinese", "survey_gbk_chinese.csv", {"constants": {"mode": "phone"}}),
        ("bad_values", "bad_values.csv", {}),
        ("survey_bom_semicolon", "survey_bom_semicolon.csv", {}),
        ("ragged_rows", "ragged_rows.csv", {"constants": {"mode": "phone"}}),
        ("survey_utf16_tab", "survey_utf16_tab.txt", {}),
        ("survey_title_row", "survey_title_row.xlsx", {"sheet": "结果"}),
        ("survey_station_own", "survey_station_own.csv",
         {"constants": {"jurisdiction": "江北路派出所", "interview_date": "2025年3月", "mode": "电话"}}),
        ("survey_ambiguous_dates", "survey_ambiguous_dates.csv", {"dayfirst": False}),
        ("survey_pii_clear", "survey_pii_clear.csv", {"mapping": {"columns": {"受访者": "respondent_id"}}}),
        ("injection", "injection.csv", {}),
        ("survey_dup_loaded", "survey_dup_loaded.csv", {}),
    ]
    for name, file, kwargs in steps:
        out[name] = _load(con, "survey", FIXTURES / file, **kwargs)
    con.close()
    registry, survey = _generated(tmp, 3000)
    con = store.connect(tmp / "generated.duckdb")
    ingest_file(con, "jurisdictions", registry, user=LOCAL_USER)
    out["generated_3000"] = _load(con, "survey", survey, constants={"mode": "phone"})
    out["generated_3000_again"] = _load(con, "survey", survey, constants={"mode": "phone"})  # already loaded
    con.close()
    return out


def main() -> None:
    """Write the digests of the working tree's code to the JSON file named on the command line."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = digests(Path(tmp))
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
