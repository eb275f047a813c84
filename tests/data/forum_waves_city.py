"""A small city surveyed in three waves with uneven gaps, for the Forum's wave tests (data and page).

Satisfaction (满意 = 1, 不满意 = 0) per station and wave, 40 respondents each unless said:

    wave            fieldwork     S01 (D01)   S02 (D01)   S03 (D02)
    2021年第一轮    2021-03-15    20/40 0.50  30/40 0.75  —
    2021年第二轮    2021-05-20    32/40 0.80  28/40 0.70  24/40 0.60
    2021年第三轮    2021-12-10    30/40 0.75  16/40 0.40  13/20 (suppressed: n_eff 20 < 30)

The first wave's label is given for the whole file, the second's and third's per row (a 轮次 column). The
waves are two and seven months apart. Their labels sort 第一轮 < 第三轮 < 第二轮 by character code (一 U+4E00,
三 U+4E09, 二 U+4E8C), so anything that orders waves by label instead of wave order shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analytics import store
from analytics.ingest import ingest_file
from analytics.roles import LOCAL_USER

W1, W2, W3 = "2021年第一轮", "2021年第二轮", "2021年第三轮"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
HEADER = "问卷编号,调查日期,派出所,调查方式,总体满意度"

# (wave, date, station) -> (satisfied, respondents)
COUNTS = {
    (W1, "2021-03-15", "S01"): (20, 40), (W1, "2021-03-15", "S02"): (30, 40),
    (W2, "2021-05-20", "S01"): (32, 40), (W2, "2021-05-20", "S02"): (28, 40), (W2, "2021-05-20", "S03"): (24, 40),
    (W3, "2021-12-10", "S01"): (30, 40), (W3, "2021-12-10", "S02"): (16, 40), (W3, "2021-12-10", "S03"): (13, 20),
}


def _rows(wave: str, *, with_wave: bool) -> list[str]:
    rows = []
    for (w, day, station), (yes, n) in COUNTS.items():
        if w != wave:
            continue
        for i in range(n):
            answer = "满意" if i < yes else "不满意"
            rows.append(",".join([f"{wave}-{station}-{i}", day, station, "phone", answer]
                                 + ([wave] if with_wave else [])))
    return rows


def build_wave_city(path: Path) -> Path:
    """Write the three-wave city at ``path`` (the fixture registry C01 > D01, D02 > S01..S05) and close it."""
    con = store.connect(path)
    try:
        ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
        first = path.parent / "wave1.csv"
        first.write_text(HEADER + "\n" + "\n".join(_rows(W1, with_wave=False)) + "\n", encoding="utf-8")
        ingest_file(con, "survey", first, constants={"wave": W1}, user=LOCAL_USER)
        later = path.parent / "waves23.csv"
        later.write_text(HEADER + ",轮次\n" + "\n".join(_rows(W2, with_wave=True) + _rows(W3, with_wave=True))
                         + "\n", encoding="utf-8")
        ingest_file(con, "survey", later, user=LOCAL_USER)
    finally:
        con.close()
    return path


def copy_of(template: Path, folder: Path) -> Path:
    """A private copy of a built city (tests that write get their own)."""
    target = folder / "waves.duckdb"
    shutil.copyfile(template, target)
    return target


# A fourth wave whose label is also a calendar quarter's: 2021Q4 the wave (fieldwork 2021-12-20, S01 only) and
# 2021Q4 the quarter (every interview from October to December: W3's and this wave's) are different periods.
CALENDAR_NAMED_WAVE = "2021Q4"


def add_calendar_named_wave(path: Path) -> Path:
    """Load the wave ``CALENDAR_NAMED_WAVE`` (S01, 30 of 40 satisfied) into the built city at ``path``."""
    con = store.connect(path)
    try:
        rows = [",".join([f"q4-S01-{i}", "2021-12-20", "S01", "phone", "满意" if i < 30 else "不满意"])
                for i in range(40)]
        extra = path.parent / "wave_2021q4.csv"
        extra.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        ingest_file(con, "survey", extra, constants={"wave": CALENDAR_NAMED_WAVE}, user=LOCAL_USER)
    finally:
        con.close()
    return path
