"""Issue 21's target, measured: any file up to the upload limit is accepted or refused within 60 s and 1.5 GB RSS.

Builds the worst cases the issue names (and the largest of each shape the default limits still let in) under
``benchmarks/data/limits/``, then loads each with the CLI, ``python -m analytics ingest survey FILE --set
mode=phone`` (a real load, not a dry run), into a fresh store holding the test registry. Each load runs in its
own wrapper process under a 3 GB address-space ceiling (``prlimit --as``), which reports the load's **wall
clock** seconds (not CPU time: the tests in tests/data measure CPU seconds so that a busy machine cannot fail
them) and its peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that one child).

RSS does not include an upload's in-memory copy (a text file uploaded as bytes, or the UTF-8 transcode of a
GBK file: an in-memory file, see docs/ingest.md) unless it is mapped; the transcode of the 190 MB GBK case
adds its size (printed as ``memory_copy_mb``) to the machine's memory in use, not to RSS.

    python benchmarks/limits.py --out benchmarks/results_limits.json [--cases NAME ...]

Results and their reading: benchmarks/README.md, "Upload limits (issue 21)".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / "data" / "limits"
REGISTRY = REPO / "tests" / "fixtures" / "ingest" / "jurisdictions.csv"
CEILING = 3_000_000_000
TARGET_SECONDS = 60
TARGET_RSS_MB = 1536
UPLOAD_MB = 200
WRAPPER = ("import json, resource, subprocess, sys, time; t = time.monotonic(); "
           "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.monotonic() - t; "
           "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(json.dumps({'code': p.returncode, 'wall_s': round(w, 1), 'cpu_s': round(r.ru_utime + r.ru_stime, 1), "
           "'rss_mb': round(r.ru_maxrss / 1024), 'stdout': p.stdout[-600:], 'stderr': p.stderr[-600:]}))")
HEADER = ["问卷编号", "调查日期", "派出所", "总体满意度", "姓名", "联系电话"]


# --------------------------------------------------------------------------------------------
# Files


def wide_csv(path: Path, cols: int, *, rows: int | None = None, target_mb: float | None = None,
             encoding: str = "utf-8", cell: str = "1") -> None:
    """A survey CSV: the six survey columns then ``cols - 6`` extra columns of ``cell``; ``rows`` rows, or as many
    as fit in ``target_mb``."""
    header = ",".join(HEADER + [f"q{i}" for i in range(cols - 6)]) + "\n"
    with path.open("w", encoding=encoding, newline="") as out:
        out.write(header)
        size = len(header.encode(encoding))
        r = 0
        while (rows is not None and r < rows) or (target_mb is not None and size < target_mb * 1_048_576):
            line = ",".join([f"R{r}", "2025-03-05", "S01", "满意", f"张{r % 97}三", str(13_800_000_000 + r)]
                            + [cell] * (cols - 6)) + "\n"
            out.write(line)
            size += len(line.encode(encoding))
            r += 1


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData><row r="1">'
              + "".join(f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                        for col, text in zip("ABCDE", [*HEADER[:4], "备注"], strict=True)).encode() + b"</row>")
SHEET_TAIL = b"</sheetData></worksheet>"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                 b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                 b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
             b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def data_row(n: int, note: str = "") -> bytes:
    cells = [f"R{n}", "2025-03-05", "S01", "满意"] + ([note] if note else [])
    return (f'<row r="{n}">' + "".join(f'<c r="{col}{n}" t="inlineStr"><is><t>{text}</t></is></c>'
                                       for col, text in zip("ABCDE", cells, strict=False)) + "</row>").encode()


def workbook(path: Path, rows, *, stored: bool = False) -> None:
    """A minimal valid .xlsx whose sheet XML is SHEET_HEAD, the byte strings ``rows`` yields, SHEET_TAIL."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method, compresslevel=None if stored else 1) as out:
        out.writestr("[Content_Types].xml", CONTENT_TYPES)
        out.writestr("_rels/.rels", ROOT_RELS)
        out.writestr("xl/workbook.xml", WORKBOOK)
        out.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(SHEET_HEAD)
            buf = bytearray()
            for piece in rows:
                buf += piece
                if len(buf) > 1_048_576:
                    fh.write(buf)
                    buf.clear()
            fh.write(buf)
            fh.write(SHEET_TAIL)


EXCEL_ROWS = 1_048_576


def empty_rows(first: int, count: int):
    # Numbered rows of styled empty cells, as Excel writes a formatted blank area (about 100 bytes a row).
    for n in range(first, first + count):
        yield (f'<row r="{n}" spans="1:5" s="1" customFormat="1">'
               + "".join(f'<c r="{col}{n}" s="1"/>' for col in "ABCDE") + "</row>").encode()


def empty_rows_count(megabytes: int) -> int:
    """How many empty rows make ``megabytes`` of XML, at most what a sheet holds (Excel's 1,048,576 rows)."""
    return min(megabytes * 1_048_576 // len(next(empty_rows(EXCEL_ROWS - 2, 1))), EXCEL_ROWS - 2)


def bomb_rows():
    cell = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    for _ in range(1_200_000_000 // len(cell)):
        yield cell


def build(name: str) -> Path:
    """The file of case ``name`` (built once; delete benchmarks/data/limits/ to rebuild)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / (name + (".csv" if name.startswith("csv") else ".xlsx"))
    if path.exists():
        return path
    tmp = path.with_suffix(".part" + path.suffix)
    if name == "csv_1000_cols_200_rows":
        wide_csv(tmp, 1000, rows=200)
    elif name == "csv_2000_cols_200_rows":
        wide_csv(tmp, 2000, rows=200)
    elif name == "csv_1000_cols_upload_limit":
        wide_csv(tmp, 1000, target_mb=UPLOAD_MB - 10)
    elif name == "csv_6_cols_upload_limit":
        wide_csv(tmp, 6, target_mb=UPLOAD_MB - 10)
    elif name == "csv_6_cols_upload_limit_gbk":
        wide_csv(tmp, 6, target_mb=UPLOAD_MB - 10, encoding="gb18030")
    elif name == "csv_long_cells_upload_limit":
        wide_csv(tmp, 8, target_mb=UPLOAD_MB - 10, cell="说" * 20_000)  # 40,000 chars a row, within the cell limit
    elif name == "csv_too_long_cells_upload_limit":
        wide_csv(tmp, 7, target_mb=UPLOAD_MB - 10, cell="x" * 40_000)  # every row has a cell over 32,767
    elif name == "xlsx_bomb_1_2_gb":
        workbook(tmp, bomb_rows())
    elif name == "xlsx_99_mb_empty_rows":
        # Stored, not deflated: the file's size is its XML's, so a sheet of Excel's every row (~1M) is ~99 MB.
        n = empty_rows_count(99)
        workbook(tmp, _chain(empty_rows(2, n), [data_row(n + 2)]), stored=True)
    elif name == "xlsx_long_cells":
        # The finding 1 at scale: 1,000 rows, each with one 30,000-character note (Excel's limit is 32,767).
        workbook(tmp, (data_row(n, "说" * 30_000) for n in range(2, 1002)))
    elif name == "xlsx_too_many_cells":
        # 700,000 rows of 8 one-character cells: 5.6M cells, over the default workbook_max_cells of 5M (the test
        # suite refuses the same shape at a lowered setting, tests/data/test_ingest_workbooks.py).
        cells = b"<row>" + b'<c t="inlineStr"><is><t>1</t></is></c>' * 8 + b"</row>"
        workbook(tmp, (cells for _ in range(700_000)))
    else:
        raise SystemExit(f"unknown case {name}")
    tmp.rename(path)
    return path


def _chain(*parts):
    for part in parts:
        yield from part


CASES = ["csv_1000_cols_200_rows", "csv_2000_cols_200_rows", "csv_1000_cols_upload_limit",
         "csv_6_cols_upload_limit", "csv_6_cols_upload_limit_gbk", "csv_long_cells_upload_limit",
         "csv_too_long_cells_upload_limit",
         "xlsx_bomb_1_2_gb", "xlsx_99_mb_empty_rows", "xlsx_long_cells", "xlsx_too_many_cells"]


# --------------------------------------------------------------------------------------------
# Runs


def run_case(name: str) -> dict[str, object]:
    path = build(name)
    work = DATA / "work"
    work.mkdir(exist_ok=True)
    db = work / f"{name}.duckdb"
    for old in work.glob(f"{name}.duckdb*"):
        old.unlink()
    env = {**os.environ, "JINGMIN_SECRET": "bench-secret-0123456789abcdef", "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "analytics", "ingest", "jurisdictions", str(REGISTRY), "--db", str(db)],
                   check=True, env=env, capture_output=True, cwd=REPO)
    load_avg = os.getloadavg()[0]
    cmd = ["prlimit", f"--as={CEILING}", sys.executable, "-m", "analytics", "ingest", "survey", str(path),
           "--db", str(db), "--set", "mode=phone"]
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, capture_output=True, text=True, cwd=REPO,
                         timeout=1800)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    text = result.pop("stdout") + result.pop("stderr")
    result.update(case=name, file_mb=round(path.stat().st_size / 1_048_576, 1), load_avg_before=round(load_avg, 2),
                  outcome=_outcome(result["code"], text),
                  message=_first_message(text),
                  within_target=result["wall_s"] < TARGET_SECONDS and result["rss_mb"] < TARGET_RSS_MB)
    if name.endswith("_gbk"):
        result["memory_copy_mb"] = round(path.stat().st_size * 1.5 / 1_048_576)  # upper bound of the UTF-8 copy
    for old in work.glob(f"{name}.duckdb*"):
        old.unlink()
    return result


def _outcome(code: int, text: str) -> str:
    # The ingest command exits 2 for a rejected file (README, "Exit codes").
    if "Traceback" in text or code not in (0, 2):
        return "crashed"
    return "loaded" if code == 0 else "refused"


def _first_message(text: str) -> str:
    for line in text.splitlines():
        if line.lstrip().startswith(("error:", "Data rows in the file", "rejected", "Traceback", "MemoryError")):
            return line[:300]
    return text.strip().splitlines()[-1][:300] if text.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--cases", nargs="*", default=CASES, choices=CASES)
    args = parser.parse_args()
    results = []
    for name in args.cases:
        started = time.monotonic()
        result = run_case(name)
        print(json.dumps(result, ensure_ascii=False), f"(with build {time.monotonic() - started:.0f} s)", flush=True)
        results.append(result)
    if args.out:
        args.out.write_text(json.dumps({"nproc": os.cpu_count(), "results": results}, ensure_ascii=False, indent=1)
                            + "\n")


if __name__ == "__main__":
    main()
