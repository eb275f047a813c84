"""A crafted city for the leaders' screen: exact yes/no counts per station, quarter and group.

``build(con, counts)`` inserts, for each ``(station, month, yes, no, sex, age_band)``, that many
respondents answering seen_police (indicator 'visibility') yes and no, with sex and age band answers, so
every rate, gap and test can be computed by hand.
"""

from __future__ import annotations

import pandas as pd

from analytics import engine

JURISDICTIONS = """
INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population) VALUES
('C', '测试市', 'Test City', NULL, 'city', 1000),
('D1', '一区', 'District One', 'C', 'district', 500), ('D2', '二区', 'District Two', 'C', 'district', 500),
('S1', '甲派出所', 'Station A', 'D1', 'station', 100), ('S2', '乙派出所', 'Station B', 'D1', 'station', 100),
('S3', '丙派出所', 'Station C', 'D2', 'station', 100), ('S4', '丁派出所', 'Station D', 'D2', 'station', 100),
('S10', '癸派出所', 'Station J', 'D2', 'station', 100)
"""

# 2025Q2: S1 well above the average, S2 within it, S3 well below, S4 too small (suppressed), S10 no answers.
# 2025Q1: S2 much higher than in Q2 (a significant fall), S4 large enough then (it was fine before).
COUNTS = [
    ("S1", "2025-04-10", 180, 20, "男", "18-29"), ("S2", "2025-04-10", 130, 70, "女", "30-44"),
    ("S3", "2025-05-10", 60, 140, "男", "18-29"), ("S4", "2025-05-10", 6, 4, "女", "45-59"),
    ("S1", "2025-01-10", 175, 25, "男", "18-29"), ("S2", "2025-01-10", 180, 20, "女", "30-44"),
    ("S3", "2025-02-10", 62, 138, "男", "18-29"), ("S4", "2025-02-10", 70, 30, "女", "45-59"),
]


def build(con, counts=COUNTS) -> None:
    """Fill an empty migrated database with the crafted city (suppression below 30, caution below 50)."""
    con.execute(JURISDICTIONS)
    rows = []
    for station, day, yes, no, sex, age in counts:
        rows += [(station, day, "1", sex, age)] * yes + [(station, day, "0", sex, age)] * no
    frame = pd.DataFrame(rows, columns=["station", "day", "code", "sex", "age"])
    frame["key"] = range(1, len(frame) + 1)
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (1, 'survey', 'crafted.csv', 'crafted', $n)", {"n": len(frame)})
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date)"
                " SELECT key, 1, 'r' || key, station, CAST(day AS DATE) FROM frame")
    for item, column in (("seen_police", "code"), ("sex", "sex"), ("age_band", "age")):
        con.execute(f"INSERT INTO answers SELECT key, 1, '{item}', {column} FROM frame")  # noqa: S608 (test data)
    con.execute("UPDATE settings SET value = '30' WHERE name = 'suppress_below_n_eff'")
    con.execute("UPDATE settings SET value = '50' WHERE name = 'caution_below_n_eff'")
    engine.refresh_cells(con)
