"""Run one ingest of a generated file in a child process under a hard memory ceiling and report its cost.

Used by tests/data/test_ingest_limits.py: ``python -m tests.data.ingest_limits_worker SHAPE ROWS COLS CELL``
writes the file, then runs the ingest in a grandchild whose address space is capped (RLIMIT_AS), and prints
one JSON line: outcome (loaded / rejected / crashed), the problem codes, seconds and the grandchild's peak
RSS in MB from ``getrusage(RUSAGE_CHILDREN)`` (measured here, so no other test's child can count).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from analytics.roles import LOCAL_USER

AS_LIMIT_BYTES = 3_000_000_000


def write_csv(path: Path, rows: int, cols: int, cell: int) -> None:
    """A survey file: the four needed columns, then ``cols - 4`` extra columns of ``cell``-character text."""
    header = ["问卷编号", "调查日期", "派出所", "满意度"] + [f"q{i}" for i in range(cols - 4)]
    filler = "x" * cell
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        for r in range(rows):
            out.write(",".join([f"r{r}", "2025-03-05", "S01", "满意"] + [filler] * (cols - 4)) + "\n")


def ingest(db: str, path: str) -> dict[str, object]:
    from analytics import store
    from analytics.errors import IngestError
    from analytics.ingest import ingest_file

    con = store.connect(db)
    con.execute("INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) "
                "VALUES ('S01', '一所', 'S1', NULL, 'station')")
    try:
        result = ingest_file(con, "survey", path, constants={"mode": "phone"}, user=LOCAL_USER)
    except IngestError as exc:
        return {"outcome": "rejected", "codes": sorted({p.code for p in exc.problems}),
                "messages": [p.text("en") for p in exc.problems[:3]]}
    return {"outcome": "loaded", "rows": result.rows}


def main() -> None:
    if sys.argv[1] == "child":
        print(json.dumps(ingest(sys.argv[2], sys.argv[3])), flush=True)
        return
    rows, cols, cell = (int(a) for a in sys.argv[2:5])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.csv"
        write_csv(path, rows, cols, cell)

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT_BYTES, AS_LIMIT_BYTES))

        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "tests.data.ingest_limits_worker", "child",
                               str(Path(tmp) / "t.duckdb"), str(path)], capture_output=True, text=True,
                              preexec_fn=cap, timeout=180, env={**os.environ, "JINGMIN_SECRET": "test-secret-0123456789abcdef"})
        seconds = time.monotonic() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: kB
        out = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 and proc.stdout.strip() \
            else {"outcome": "crashed", "stderr": proc.stderr[-2000:]}
        out.update(seconds=round(seconds, 1), peak_mb=round(peak_mb), size_kb=path.stat().st_size // 1024)
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
