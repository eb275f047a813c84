"""Assessment (issue 16): scores and SEs against a hand computation and a simulation, target statuses at the
boundaries, rank intervals, station-user scope, audited scheme changes, bad input, the internal data kind."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import assessment, store
from analytics.assessment import AssessmentError, Component, Scheme, target_status
from analytics.auth import User
from analytics.engine import refresh_cells
from analytics.errors import AccessDenied, IngestError
from analytics.ingest import ingest_file
from analytics.selection import Selection
from analytics.roles import LOCAL_USER, User

ADMIN = User("ana", "analyst")
PERIOD = "2025Q4"


def _registry(con) -> None:
    con.execute("""
        INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES
        ('C', '测试市', 'Test City', NULL, 'city'), ('D1', '一区', 'District One', 'C', 'district'),
        ('D2', '二区', 'District Two', 'C', 'district'), ('S1', '甲派出所', 'Station A', 'D1', 'station'),
        ('S2', '乙派出所', 'Station B', 'D1', 'station'), ('S3', '丙派出所', 'Station C', 'D2', 'station')""")


def _survey(con, counts: dict[str, dict[tuple[int, int], int]]) -> None:
    """Respondents in 2025-11 per station with (seen_police, knows_contact) answer pairs in exact numbers."""
    batch = con.execute("INSERT INTO batches (kind, source_name, sha256, row_count) "
                        "VALUES ('survey', 'hand.csv', 'hand', 0) RETURNING batch_id").fetchall()[0][0]
    rows, answers = [], []
    key = int(con.execute("SELECT coalesce(max(respondent_key), 0) FROM respondents").fetchall()[0][0])
    for station, cells in counts.items():
        for (seen, contact), n in cells.items():
            for _ in range(n):
                key += 1
                rows.append((key, batch, f"R{key}", station, pd.Timestamp("2025-11-15")))
                answers += [(key, batch, "seen_police", str(seen)), (key, batch, "knows_contact", str(contact))]
    resp = pd.DataFrame(rows, columns=["respondent_key", "batch_id", "respondent_id", "jurisdiction_code",
                                       "interview_date"])
    ans = pd.DataFrame(answers, columns=["respondent_key", "batch_id", "item", "code"])
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date) "
                "SELECT * FROM resp")
    con.execute("INSERT INTO answers SELECT * FROM ans")
    refresh_cells(con)


def _internal(con, tmp_path, rows: list[tuple], name: str = "internal.csv", **kwargs):
    frame = pd.DataFrame(rows, columns=["派出所", "考核期", "考核项目", "警号", "分子", "分母", "得分", "标准差",
                                        "参考人数"])
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return ingest_file(con, "internal", path, **kwargs, user=LOCAL_USER)


def _db(tmp_path, name="a.duckdb"):
    con = store.connect(tmp_path / name)
    _registry(con)
    return con


def sel(user: User = ADMIN, level: str = "station", **kw) -> Selection:
    return Selection(period_kind="quarter", periods=(PERIOD,), level=level, user=user, **kw)


# ------------------------------------------------------------------------------------------ hand computation

def test_score_and_se_match_a_hand_computation(tmp_path):
    con = _db(tmp_path)
    # S1: 60 of 100 saw police; S2: 45 of 100.
    _survey(con, {"S1": {(1, 1): 60, (0, 1): 40}, "S2": {(1, 1): 45, (0, 1): 55}})
    _internal(con, tmp_path, [("甲派出所", "2025-10", "clue_detection", "", 20, 40, "", "", ""),
                              ("甲派出所", "2025-11", "群众线索破案率", "", 25, 50, "", "", ""),  # by its name
                              ("乙派出所", PERIOD, "clue_detection", "", 60, 80, "", "", "")])
    scheme = Scheme("hand", (Component("indicator", "visibility", 3), Component("internal", "clue_detection", 1)))
    result = assessment.assess(con, sel(), scheme)
    s1 = result.scores.set_index("jurisdiction").loc["S1"]
    # 100 · (3 · 0.6 + 1 · 45/90) / 4 and (100/4) · sqrt(9 · 0.6·0.4/100 + 0.5·0.5/90)
    assert s1["score"] == pytest.approx(57.5)
    assert s1["se"] == pytest.approx(25 * math.sqrt(9 * 0.0024 + 0.25 / 90))
    s2 = result.scores.set_index("jurisdiction").loc["S2"]
    assert s2["score"] == pytest.approx(100 * (3 * 0.45 + 0.75) / 4)
    points = result.components.set_index(["jurisdiction", "component"])["points"]
    assert points[("S1", "visibility")] == pytest.approx(45.0)
    assert points[("S1", "clue_detection")] == pytest.approx(12.5)
    assert list(result.scores["jurisdiction"][:2]) == ["S1", "S2"]


# ------------------------------------------------------------------------------------------ simulation

# The true joint distribution of (seen_police, knows_contact) per respondent: strongly correlated answers.
JOINT = {(1, 1): 0.45, (1, 0): 0.10, (0, 1): 0.10, (0, 0): 0.35}
N_RESP = 2000


def _simulation_db(tmp_path, scale: int = 1):
    con = _db(tmp_path, f"sim{scale}.duckdb")
    n = N_RESP * scale
    _survey(con, {"S1": {k: int(p * n) for k, p in JOINT.items()},
                  "S2": {(1, 1): int(0.40 * n), (1, 0): int(0.12 * n), (0, 1): int(0.08 * n), (0, 0): int(0.40 * n)},
                  "S3": {(1, 1): int(0.35 * n), (1, 0): int(0.15 * n), (0, 1): int(0.10 * n),
                         (0, 0): int(0.40 * n)}})
    _internal(con, tmp_path, [
        ("甲派出所", PERIOD, "law_knowledge", "", "", "", 80, 10, 500 * scale),
        ("甲派出所", PERIOD, "clue_detection", "", 600 * scale, 1000 * scale, "", "", ""),
        ("乙派出所", PERIOD, "law_knowledge", "", "", "", 78, 10, 500 * scale),
        ("乙派出所", PERIOD, "clue_detection", "", 550 * scale, 1000 * scale, "", "", ""),
        ("丙派出所", PERIOD, "law_knowledge", "", "", "", 82, 10, 500 * scale),
        ("丙派出所", PERIOD, "clue_detection", "", 500 * scale, 1000 * scale, "", "", ""),
    ], name=f"internal{scale}.csv")
    return con


SIM_SCHEME = Scheme("sim", (Component("indicator", "visibility", 30), Component("indicator", "awareness", 30),
                            Component("internal", "law_knowledge", 20, "scaled", 60, 100),
                            Component("internal", "clue_detection", 20)))


def test_delta_method_se_agrees_with_a_10000_draw_simulation(tmp_path):
    con = _simulation_db(tmp_path)
    result = assessment.assess(con, sel(), SIM_SCHEME)
    s1 = result.scores.set_index("jurisdiction").loc["S1"]
    # Draw 10,000 replicate studies from the truth: respondents' answer pairs, the clue counts, the test mean.
    rng = np.random.default_rng(2024)
    draws = 10_000
    cells = rng.multinomial(N_RESP, list(JOINT.values()), size=draws)
    seen = (cells[:, 0] + cells[:, 1]) / N_RESP
    contact = (cells[:, 0] + cells[:, 2]) / N_RESP
    clues = rng.binomial(1000, 0.6, size=draws) / 1000
    test = rng.normal(80, 10 / math.sqrt(500), size=draws)
    score = 100 * (30 * seen + 30 * contact + 20 * (test - 60) / 40 + 20 * clues) / 100
    simulated = score.std(ddof=1)
    assert s1["score"] == pytest.approx(100 * (30 * .55 + 30 * .55 + 20 * .5 + 20 * .6) / 100)
    assert s1["se"] == pytest.approx(simulated, rel=0.02)
    # The check can fail: ignoring the correlation of the two survey rates misses the simulated SE by far.
    independent = math.sqrt(0.3 ** 2 * 2 * 0.55 * 0.45 / N_RESP + (0.2 * 10 / math.sqrt(500) / 40) ** 2
                            + 0.2 ** 2 * 0.24 / 1000) * 100
    assert abs(independent - simulated) / simulated > 0.10


def test_rank_intervals_contain_the_observed_rank_and_shrink_as_n_grows(tmp_path):
    small = assessment.assess(_simulation_db(tmp_path, 1), sel(), SIM_SCHEME).scores
    large = assessment.assess(_simulation_db(tmp_path, 16), sel(), SIM_SCHEME).scores
    for scores in (small, large):
        assert ((scores["rank_low"] <= scores["rank"]) & (scores["rank"] <= scores["rank_high"])).all()
    width = lambda s: float((s["rank_high"] - s["rank_low"]).sum())  # noqa: E731
    assert width(large) < width(small)
    assert (large["se"].to_numpy() < small["se"].to_numpy()).all()


# ------------------------------------------------------------------------------------------ target statuses

def test_target_statuses_at_the_boundaries():
    est = [0.80, 0.80, 0.75, 0.70, 0.70, 0.60, np.nan, 0.80]
    low = [0.71, 0.70, 0.65, 0.60, 0.60, 0.50, np.nan, 0.75]
    high = [0.90, 0.90, 0.85, 0.70, 0.80, 0.699, np.nan, 0.85]
    target = [0.70] * 8
    up = ["higher"] * 8
    assert list(target_status(est, low, high, target, up)) == [
        "met",            # interval entirely above
        "likely_met",     # interval touching the target from above is not entirely above
        "likely_met",     # estimate above, interval crosses
        "likely_met",     # estimate exactly at the target
        "likely_met",
        "missed",         # interval entirely below
        "not_assessable",  # suppressed / no data
        "met",
    ]
    assert list(target_status([0.65, 0.70, 0.69], [0.60, 0.70, 0.60], [0.70, 0.80, 0.70], [0.70] * 3,
                              ["higher"] * 3)) == ["likely_missed", "likely_met", "likely_missed"]
    # Lower is better (e.g. a response time): mirrored.
    assert list(target_status([2.0, 2.0, 3.0, 3.0, 3.0], [1.0, 1.5, 2.6, 2.5, 2.0], [2.4, 2.5, 3.5, 3.5, 4.0],
                              [2.5] * 5, ["lower"] * 5)) == ["met", "likely_met", "missed", "likely_missed",
                                                             "likely_missed"]


def test_targets_in_the_assessment_most_specific_scope_and_latest_date(tmp_path):
    con = _db(tmp_path)
    _survey(con, {"S1": {(1, 1): 60, (0, 1): 40}, "S2": {(1, 1): 90, (0, 1): 10}})
    assessment.set_target(con, "indicator", "visibility", 0.55, user=ADMIN)
    assessment.set_target(con, "indicator", "visibility", 0.95, user=ADMIN, scope="S2", effective_from="2025Q1")
    assessment.set_target(con, "indicator", "visibility", 0.10, user=ADMIN, scope="S2", effective_from="2026Q1")
    scheme = Scheme("v", (Component("indicator", "visibility", 1),))
    comp = assessment.assess(con, sel(), scheme).components.set_index("jurisdiction")
    assert comp.loc["S1", "target"] == 0.55 and comp.loc["S1", "status"] == "likely_met"  # 0.6 (0.50–0.69)
    assert comp.loc["S2", "target"] == 0.95 and comp.loc["S2", "status"] == "missed"
    audited = con.execute("SELECT count(*) FROM audit_log WHERE action = 'assessment.target_set'").fetchall()[0][0]
    assert audited == 3


# ------------------------------------------------------------------------------------------ scope

def test_a_station_user_never_sees_another_stations_score_or_officers(tmp_path):
    con = _db(tmp_path)
    _survey(con, {"S1": {(1, 1): 60, (0, 1): 40}, "S2": {(1, 1): 45, (0, 1): 55}, "S3": {(1, 0): 70, (0, 0): 30}})
    _internal(con, tmp_path, [(name, PERIOD, "two_way_familiarity", f"{code}-J{k}", 15, 20, "", "", "")
                              for code, name in (("S1", "甲派出所"), ("S2", "乙派出所"), ("S3", "丙派出所"))
                              for k in (1, 2)])
    station = User("s1chief", "station", "S1")
    scheme = Scheme("v", (Component("indicator", "visibility", 1), Component("internal", "two_way_familiarity", 1)))
    for level in ("station", "district", "city"):
        result = assessment.assess(con, sel(station, level), scheme)
        assert set(result.scores["jurisdiction"]) <= {"S1", "D1", "C"}
        assert set(result.components["jurisdiction"]) <= {"S1", "D1", "C"}
    asked = assessment.assess(con, sel(station, jurisdiction_codes=("S2", "S3")), scheme)
    assert asked.scores["score"].notna().sum() == 0 and set(asked.scores["jurisdiction"]) <= {"S1"}
    officers = assessment.officer_table(con, sel(station))
    assert set(officers["jurisdiction"]) == {"S1"} and set(officers["officer_id"]) == {"S1-J1", "S1-J2"}
    assert set(assessment.officer_table(con, sel(station, "district"))["officer_id"]) == {"S1-J1", "S1-J2"}
    leader = assessment.officer_table(con, sel(User("boss", "leader")))
    assert set(leader["jurisdiction"]) == {"S1", "S2", "S3"}
    # Officer rows are summed into the station figure (no unit row was given): 30 of 40.
    comp = assessment.assess(con, sel(), scheme).components.set_index(["jurisdiction", "component"])
    assert comp.loc[("S1", "two_way_familiarity"), "value"] == pytest.approx(0.75)
    # Officers' bases (20) are below the suppression threshold (30): no value, as for a station.
    assert officers["value"].isna().all() and (officers["flag"] == "suppressed").all()


# ------------------------------------------------------------------------------------------ schemes

def test_a_scheme_change_is_audited_and_refused_to_a_leader(tmp_path):
    con = _db(tmp_path)
    before = assessment.get_scheme(con)
    assert before.name == "standard" and before.is_default
    with pytest.raises(AccessDenied):
        assessment.save_scheme(con, Scheme("x", (Component("indicator", "visibility", 1),)),
                               user=User("boss", "leader"))
    changed = Scheme("standard", (Component("indicator", "satisfaction", 2), Component("indicator", "visibility", 1)),
                     "zero")
    assessment.save_scheme(con, changed, user=ADMIN)
    entry = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'assessment.scheme_save'").fetchall()
    assert len(entry) == 1 and entry[0][0] == "ana"
    detail = json.loads(entry[0][1])
    assert len(detail["before"]["components"]) == len(before.components)
    assert [c["component"] for c in detail["after"]["components"]] == ["satisfaction", "visibility"]
    saved = assessment.get_scheme(con)
    assert saved.is_default and saved.missing_rule == "zero" and saved.total_weight == 3
    assessment.save_scheme(con, Scheme("other", (Component("indicator", "trust", 1),)), user=ADMIN)
    assert assessment.get_scheme(con).name == "standard"
    assessment.set_default_scheme(con, "other", user=ADMIN)
    assert assessment.get_scheme(con).name == "other"
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'assessment.scheme_default'").fetchall()[0][0] == 1


@pytest.mark.parametrize(("scheme", "key"), [
    (Scheme("z", (Component("indicator", "visibility", 0), Component("internal", "law_knowledge", 0))),
     "error.assessment_weights_sum"),
    (Scheme("z", (Component("indicator", "no_such_indicator", 1),)), "error.assessment_unknown_component"),
    (Scheme("z", (Component("case", "response_hours_median", 1),)), "error.assessment_unknown_component"),
    (Scheme("z", (Component("indicator", "visibility", -1),)), "error.assessment_bad_weight"),
    (Scheme("z", (Component("internal", "law_knowledge", 1, "scaled", 60, 60),)), "error.assessment_bad_scale"),
])
def test_bad_schemes_are_refused_and_nothing_is_saved(tmp_path, scheme, key):
    con = _db(tmp_path)
    before = con.execute("SELECT count(*) FROM assessment_components").fetchall()
    with pytest.raises(AssessmentError) as caught:
        assessment.save_scheme(con, scheme, user=ADMIN)
    assert caught.value.message_key == key
    assert con.execute("SELECT count(*) FROM assessment_components").fetchall() == before
    assert con.execute("SELECT count(*) FROM audit_log WHERE action LIKE 'assessment.%'").fetchall()[0][0] == 0


def test_a_target_outside_the_range_is_refused(tmp_path):
    con = _db(tmp_path)
    for source, key, value in (("indicator", "visibility", 85.0), ("internal", "law_knowledge", 101.0),
                               ("case", "solved_rate", -0.1)):
        with pytest.raises(AssessmentError) as caught:
            assessment.set_target(con, source, key, value, user=ADMIN)
        assert caught.value.message_key == "error.assessment_target_range"
    with pytest.raises(AssessmentError):
        assessment.set_target(con, "indicator", "visibility", 0.8, user=ADMIN, scope="S9")
    assert assessment.list_targets(con).empty


# ------------------------------------------------------------------------------------------ internal data kind

def test_internal_file_with_bad_rows_is_rejected_whole(tmp_path):
    con = _db(tmp_path)
    with pytest.raises(IngestError) as caught:
        _internal(con, tmp_path, [
            ("甲派出所", PERIOD, "clue_detection", "", 50, 40, "", "", ""),       # numerator > denominator
            ("甲派出所", PERIOD, "law_knowledge", "", "", "", 120, "", 30),       # score outside 0..100
            ("甲派出所", "2025Q5", "clue_detection", "", 1, 4, "", "", ""),       # not a period
            ("甲派出所", PERIOD, "no_such_measure", "", 1, 4, "", "", ""),        # unknown measure
            ("乙派出所", PERIOD, "clue_detection", "", 3, 4, "", "", ""),
            ("乙派出所", PERIOD, "clue_detection", "", 3, 4, "", "", ""),         # given twice
        ])
    keys = {p.key for p in caught.value.problems}
    assert {"internal_numerator_exceeds", "internal_score_range", "internal_bad_period",
            "internal_unknown_measure", "internal_duplicate"} <= keys
    rows = {p.key: p.row for p in caught.value.problems}
    assert rows["internal_numerator_exceeds"] == 2 and rows["internal_duplicate"] == 7
    assert con.execute("SELECT count(*) FROM internal_values").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM batches WHERE kind = 'internal'").fetchall()[0][0] == 0


def test_officer_ids_are_hashed_on_request(tmp_path):
    con = _db(tmp_path)
    rows = [("甲派出所", PERIOD, "two_way_familiarity", "J0042", 30, 40, "", "", "")]
    _internal(con, tmp_path, rows, mapping={"kind": "internal", "options": {"hash_officer_id": True}})
    stored = con.execute("SELECT officer_id FROM internal_values").fetchall()[0][0]
    assert stored != "J0042" and "0042" not in stored and len(stored) == 64
    con2 = _db(tmp_path, "b.duckdb")
    _internal(con2, tmp_path, rows, name="plain.csv")
    assert con2.execute("SELECT officer_id FROM internal_values").fetchall()[0][0] == "J0042"


def test_removing_an_internal_batch_removes_its_values(tmp_path):
    from analytics.ingest import remove_batch

    con = _db(tmp_path)
    result = _internal(con, tmp_path, [("甲派出所", PERIOD, "clue_detection", "", 20, 40, "", "", "")])
    remove_batch(con, result.batch_id, user=User('ana', "admin"))
    assert con.execute("SELECT count(*) FROM internal_values").fetchall()[0][0] == 0


def test_workbook_has_one_sheet_per_view_and_the_formula(tmp_path):
    con = _db(tmp_path)
    _survey(con, {"S1": {(1, 1): 60, (0, 1): 40}, "S2": {(1, 1): 45, (0, 1): 55}})
    assessment.set_target(con, "indicator", "visibility", 0.5, user=ADMIN)
    result = assessment.assess(con, sel(), "standard")
    labels = assessment.component_labels(con, "en")
    book = load_workbook(io.BytesIO(assessment.workbook_bytes(result, labels, "en")))
    assert book.sheetnames == ["scores", "components", "targets", "formula"]
    formula = " ".join(str(r[0]) for r in book["formula"].iter_rows(values_only=True) if r[0])
    assert "weight 20 (20.0%) × Visibility" in formula and "delta method" in formula
    scores = list(book["scores"].iter_rows(values_only=True))
    assert scores[0][0] == "jurisdiction" and {r[0] for r in scores[1:]} == {"S1", "S2", "S3"}
