"""Issue 21: an upload's personal columns never reach the disk in clear, not even in the private temp directory.

Each test pauses a load at the point where the old code had written its copy (the upload's bytes, or the UTF-8
transcode of a GBK file) and scans every file under the data directory and the system temp folder for the
upload's phone numbers and names.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from analytics import tempfiles
from analytics.ingest import ingest_file, raw
from analytics.roles import LOCAL_USER
from tests.data.test_ingest_fixtures import reg_db, registry_template, secret  # noqa: F401
from tests.data.test_ingest_workbooks import CEILING, REPO, child_db  # noqa: F401

PHONE = 13812345678
NAME = "欧阳娜娜"


def survey_csv(rows: int) -> str:
    lines = ["问卷编号,调查日期,派出所,总体满意度,姓名,联系电话"]
    lines += [f"R{i},2025-03-05,S01,满意,{NAME}{i % 97},{PHONE + i}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def files_holding(needles: list[bytes], *roots: Path) -> list[Path]:
    """Every file under ``roots`` (and the system temp folder's jingmin entries) holding any needle."""
    system_temp = Path(tempfile.gettempdir())
    candidates = [p for root in roots for p in root.rglob("*")]
    candidates += [*system_temp.glob("jingmin*"), *tempfiles.temp_root(None).glob("**/*")]
    found = []
    for path in candidates:
        if path.is_file():
            data = path.read_bytes()
            if any(n in data for n in needles):
                found.append(path)
    return found


def needles_for(encoding: str) -> list[bytes]:
    # The phone as text is ASCII in every encoding tested; the name in the upload's encoding and in UTF-8 (a
    # transcoded copy).
    return [str(PHONE + 5).encode(), NAME.encode(encoding), NAME.encode("utf-8")]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_an_uploads_bytes_and_transcoded_copy_never_reach_the_disk(reg_db, tmp_path, monkeypatch, encoding):  # noqa: F811
    # Uploaded bytes (the dashboard's path): the old code wrote them to the private temp dir as a file, and a
    # non-UTF-8 one a second time as a UTF-8 copy. plain_line_count runs after staging, with both copies in use.
    data = survey_csv(2_000).encode(encoding)
    seen: list[list[Path]] = []
    original = raw.plain_line_count

    def scan_then_count(path):
        seen.append(files_holding(needles_for(encoding), tmp_path))
        assert Path(path).read_bytes().count(b"\n") == 2_001  # the in-memory copy is there and readable
        return original(path)

    monkeypatch.setattr(raw, "plain_line_count", scan_then_count)
    result = ingest_file(reg_db, "survey", data, source_name="people.csv", constants={"mode": "phone"},
                         user=LOCAL_USER)
    assert result.summary["rows_loaded"] == 2_000
    assert seen == [[]]
    assert files_holding(needles_for(encoding), tmp_path) == []


def test_a_gbk_file_on_disk_is_transcoded_in_memory(reg_db, tmp_path, monkeypatch):  # noqa: F811
    source = tmp_path / "in" / "people.csv"
    source.parent.mkdir()
    source.write_bytes(survey_csv(2_000).encode("gb18030"))
    seen: list[list[Path]] = []
    original = raw.plain_line_count

    def scan_then_count(path):
        seen.append(files_holding(needles_for("gb18030"), tmp_path))
        return original(path)

    monkeypatch.setattr(raw, "plain_line_count", scan_then_count)
    ingest_file(reg_db, "survey", source, constants={"mode": "phone"}, user=LOCAL_USER)
    assert seen == [[source]]  # only the user's own file


def memory_files(pid: int) -> list[str]:
    """The in-memory files (memfd) process ``pid`` holds open."""
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed between the listing and the read
            continue
        if target.startswith("/memfd:jingmin"):
            out.append(target)
    return out


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="in-memory files need Linux's memfd")
def test_sigterm_while_a_gbk_copy_is_held_in_memory_leaves_nothing_on_disk(tmp_path, child_db):  # noqa: F811
    path = tmp_path / "people.csv"
    path.write_bytes(survey_csv(300_000).encode("gb18030"))
    env = {**os.environ, "JINGMIN_SECRET": "test-secret-0123456789abcdef", "PYTHONPATH": str(REPO)}
    # prlimit execs python: the pid is the loader's.
    proc = subprocess.Popen(["prlimit", f"--as={CEILING}", sys.executable, "-m", "analytics", "ingest", "survey",
                             str(path), "--db", str(child_db), "--set", "mode=phone"],
                            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    held: list[str] = []
    while time.monotonic() < deadline and not held and proc.poll() is None:
        held = memory_files(proc.pid)
        time.sleep(0.02)
    assert held, "the transcoded copy never appeared in memory"
    on_disk = files_holding(needles_for("gb18030"), tmp_path)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert on_disk == [path]  # while the copy existed, only the user's own file held the numbers
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert files_holding(needles_for("gb18030"), tmp_path) == [path]
    root = tempfiles.temp_root(child_db.parent)
    assert not root.is_dir() or not any(root.iterdir())  # the private directory went with the load
