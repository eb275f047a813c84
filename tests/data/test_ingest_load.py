"""Loading and removing batches: updates, removal, created jurisdictions, injection, real files,
a loader killed mid-transaction, and the CLI's exit codes."""

from analytics.selection import Selection
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytics import engine, store
from analytics.cases import case_metrics
from analytics.cli import main as cli_main
from analytics.errors import IngestError, UnknownNameError
from analytics.ingest import (
    ingest_file,
    list_mappings,
    load_mapping,
    propose_mapping,
    remove_batch,
    save_mapping,
    suggest_mapping,
)
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER, User

# The same fixtures as the corpus tests: a fresh copy of the registry database per test.
secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db
FIXTURES = base.FIXTURES
snapshot = base.snapshot

REPO = Path(__file__).resolve().parents[2]
# CI checks the repository out with ../shared beside it, so the real files are always there: a missing
# directory is a broken checkout and fails the test. JINGMIN_REAL_DATA points elsewhere (e.g. a worktree
# whose parent is not the clone's); JINGMIN_SKIP_REAL_DATA=1 is the explicit opt-out for machines without it.
REAL = Path(os.environ.get("JINGMIN_REAL_DATA") or REPO.parent / "shared" / "data" / "real")
REAL_FILES = ("ess_belgium_r5_trust_police/ESSBE5.csv",
              "police_uk_street_outcomes_2023_03/2023-03-city-of-london-street.csv",
              "police_uk_street_outcomes_2023_03/2023-03-city-of-london-outcomes.csv")


@pytest.fixture
def real_data() -> Path:
    """The real-data directory; fails (never skips silently) when it or a needed file is missing."""
    if os.environ.get("JINGMIN_SKIP_REAL_DATA") == "1":
        pytest.skip("JINGMIN_SKIP_REAL_DATA=1: real files deliberately not used")
    missing = [name for name in REAL_FILES if not (REAL / name).is_file()]
    if missing:
        pytest.fail(f"Real data files missing under {REAL}: {', '.join(missing)}. Check out ../shared beside the "
                    "repository, set JINGMIN_REAL_DATA to its data/real directory, or set "
                    "JINGMIN_SKIP_REAL_DATA=1 to opt out explicitly.")
    return REAL


def audit_actions(con):
    return [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]


# ---------------------------------------------------------------------------------------------
# Removal


def test_remove_survey_batch_removes_exactly_its_rows(reg_db):
    first = ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER)
    second = ingest_file(reg_db, "survey", FIXTURES / "survey_bom_semicolon.csv", user=LOCAL_USER)
    assert reg_db.execute("SELECT count(*) FROM indicator_cells WHERE jurisdiction_code = 'S02'").fetchall()[0][0] > 0
    version = store.data_version(reg_db)
    counts = remove_batch(reg_db, first.batch_id, user=User('tester', "admin"))
    assert counts == {"respondents": 6, "answers": 30, "case_events": 0, "jurisdictions": 0}
    assert reg_db.execute("SELECT batch_id, count(*) FROM respondents GROUP BY 1").fetchall() == [(second.batch_id, 4)]
    assert reg_db.execute("SELECT DISTINCT batch_id FROM answers").fetchall() == [(second.batch_id,)]
    assert reg_db.execute("SELECT status, removed_at IS NOT NULL FROM batches WHERE batch_id = $b",
                          {"b": first.batch_id}).fetchall() == [("removed", True)]
    assert store.data_version(reg_db) == version + 1
    assert audit_actions(reg_db)[-1] == "batch.remove"
    assert reg_db.execute("SELECT actor FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchall() == [("tester",)]
    # The cells were rebuilt from what is left: the semicolon file's four satisfaction answers.
    n_cells = reg_db.execute("SELECT sum(n + n_dk) FROM indicator_cells WHERE indicator = 'satisfaction'"
                             ).fetchall()[0][0]
    assert n_cells == 4
    with pytest.raises(UnknownNameError, match="already removed"):
        remove_batch(reg_db, first.batch_id, user=LOCAL_USER)
    with pytest.raises(UnknownNameError, match="There is no batch 99"):
        remove_batch(reg_db, 99, user=LOCAL_USER)
    # A removed file can be loaded again.
    assert ingest_file(reg_db, "survey", FIXTURES / "survey_gbk_chinese.csv", user=LOCAL_USER).rows == 6


def test_case_update_supersedes_and_carries_missing_fields_forward(reg_db):
    ingest_file(reg_db, "cases", FIXTURES / "cases_export.csv", user=LOCAL_USER)
    update = ingest_file(reg_db, "cases", FIXTURES / "cases_update.csv", user=LOCAL_USER)
    assert (update.summary["new_cases"], update.summary["updated_cases"]) == (1, 1)
    row = reg_db.execute("SELECT batch_id, category, is_small, status, outcome, mediation_agreed, closed_at, "
                         "reporter_hash IS NOT NULL FROM cases WHERE case_id = 'AJ002'").fetchall()[0]
    assert row == (update.batch_id, "dispute", True, "closed", "mediated", True, dt.datetime(2025, 3, 12, 16), True)
    assert reg_db.execute("SELECT callback_result FROM cases WHERE case_id = 'AJ001'").fetchall() == [("satisfied",)]
    assert reg_db.execute("SELECT callback_result FROM cases WHERE case_id = 'AJ003'").fetchall() == [
        ("basically_satisfied",)]
    assert reg_db.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 5
    remove_batch(reg_db, update.batch_id, user=LOCAL_USER)
    assert reg_db.execute("SELECT status, outcome FROM cases WHERE case_id = 'AJ002'").fetchall() == [("open", None)]
    assert reg_db.execute("SELECT count(*) FROM cases").fetchall()[0][0] == 4


def test_jurisdiction_batch_in_use_is_not_removed(reg_db):
    ingest_file(reg_db, "survey", FIXTURES / "survey_bom_semicolon.csv", user=LOCAL_USER)
    before = snapshot(reg_db)
    with pytest.raises(IngestError, match="4 respondents, 0 case rows and 0 jurisdictions from other batches"):
        remove_batch(reg_db, 1, user=LOCAL_USER)
    assert snapshot(reg_db) == before


def test_create_jurisdictions_adds_stations_and_removal_takes_them_back(reg_db):
    with pytest.raises(IngestError):
        ingest_file(reg_db, "survey", FIXTURES / "survey_station_own.csv",
                    constants={"jurisdiction": "新城派出所", "interview_date": "2025-03"}, user=LOCAL_USER)
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_station_own.csv", create_jurisdictions=True,
                         constants={"jurisdiction": "新城派出所", "interview_date": "2025-03", "mode": "sms"}, user=LOCAL_USER)
    code = result.summary["created_jurisdictions"][0][1]
    assert result.summary["created_jurisdictions"] == [("新城派出所", code)] and code.startswith("X")
    assert reg_db.execute("SELECT name_zh, parent_code, level, batch_id FROM jurisdictions WHERE code = $c",
                          {"c": code}).fetchall() == [("新城派出所", "C01", "station", result.batch_id)]
    remove_batch(reg_db, result.batch_id, user=LOCAL_USER)
    assert reg_db.execute("SELECT count(*) FROM jurisdictions WHERE code = $c", {"c": code}).fetchall() == [(0,)]


def test_sql_in_headers_and_values_is_only_data(reg_db):
    header = "x'); DROP TABLE batches; --"
    result = ingest_file(reg_db, "survey", FIXTURES / "injection.csv", mapping={"columns": {header: "stratum"}}, user=LOCAL_USER)
    assert result.rows == 2
    assert reg_db.execute("SELECT respondent_id, stratum FROM respondents ORDER BY 1").fetchall() == [
        ("I01", "'); DELETE FROM respondents; --"), ("I02", "abc")]
    assert reg_db.execute("SELECT count(*) FROM batches").fetchall() == [(2,)]
    proposal = propose_mapping(reg_db, "survey", FIXTURES / "injection.csv")
    assert proposal.columns[-1].header == header and proposal.columns[-1].target == "ignore"


# ---------------------------------------------------------------------------------------------
# Mappings


def test_saved_mapping_is_reused_for_the_next_file_from_the_same_source(reg_db):
    proposal = propose_mapping(reg_db, "survey", (FIXTURES / "survey_station_own.csv").read_bytes(),
                               source_name="station_march.csv")
    assert proposal.missing_required == ["interview_date", "jurisdiction"]
    assert proposal.suggested_mapping is None
    spec = proposal.spec()
    spec["constants"] = {"jurisdiction": "S03", "interview_date": "2025-03", "mode": "face_to_face"}
    save_mapping(reg_db, "S03 own survey", spec, user=User('tester', "admin"))
    assert list_mappings(reg_db, "survey")["name"].tolist() == ["S03 own survey"]
    assert load_mapping(reg_db, "S03 own survey")["constants"]["jurisdiction"] == "S03"
    again = propose_mapping(reg_db, "survey", FIXTURES / "survey_station_own.csv")
    assert (again.suggested_mapping, again.mapping_name, again.missing_required) == (
        "S03 own survey", "S03 own survey", [])
    assert suggest_mapping(reg_db, "survey", ["问卷编号", "满意度", "安全感", "备注"]) == "S03 own survey"
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_station_own.csv", mapping="S03 own survey", user=LOCAL_USER)
    assert (result.rows, result.summary["mapping_name"], result.summary["survey_mode"]) == (
        2, "S03 own survey", "face_to_face")
    assert reg_db.execute("SELECT mapping_name FROM batches WHERE batch_id = $b", {"b": result.batch_id}
                          ).fetchall() == [("S03 own survey",)]


def test_value_map_override_and_new_item(reg_db):
    mapping = {
        "columns": {"满意度": "service_score"},
        "items": {"service_score": {"label_zh": "服务评分", "label_en": "Service score", "scale": "categorical",
                                    "codes": ["A", "B", "C"], "dk_codes": ["X"]}},
        "value_maps": {"service_score": {"满意": "A", "一般": "B"}},
        "constants": {"jurisdiction": "S01", "interview_date": "2025-03-05"},
    }
    result = ingest_file(reg_db, "survey", FIXTURES / "survey_station_own.csv", mapping=mapping, user=LOCAL_USER)
    assert result.summary["items"] == ["safety", "service_score"]
    assert reg_db.execute("SELECT code FROM answers WHERE item = 'service_score' ORDER BY respondent_key"
                          ).fetchall() == [("A",), ("B",)]
    assert reg_db.execute("SELECT scale FROM items WHERE item = 'service_score'").fetchall() == [("categorical",)]
    # The new item is a definition change, audited once; the unchanged 'safety' item is not.
    assert reg_db.execute("SELECT actor, detail FROM audit_log WHERE action LIKE 'definition.%'").fetchall() == [
        ("local", '{"name": "service_score", "new": true}')]


# ---------------------------------------------------------------------------------------------
# Row numbers on a larger file: blank lines and rejected rows before the bad value


def test_row_numbers_stay_exact_deep_in_a_large_file(reg_db, tmp_path):
    lines = ["问卷编号,调查日期,派出所,满意度"]
    for i in range(30000):
        lines.append(f"L{i:05d},2025-03-05,S01,{(i % 5) + 1}")
    lines[100] = ""                      # a blank line
    lines[200] = "L00199,2025-03-05,S01"  # too few fields
    lines[25000] = "L24999,2025-03-05,S01,8"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", path, user=LOCAL_USER)
    assert [(p.row, p.code, p.value) for p in info.value.problems] == [
        (201, "too_few_fields", None), (25001, "impossible_value", "8")]  # 8 is off the 1–5 scale


# ---------------------------------------------------------------------------------------------
# A loader killed inside its transaction leaves the database as it was


def test_killed_loader_leaves_database_unchanged(reg_db, tmp_path):
    ingest_file(reg_db, "cases", FIXTURES / "cases_export.csv", user=LOCAL_USER)
    before = snapshot(reg_db)
    reg_db.close()
    lines = ["问卷编号,调查日期,派出所,满意度,安全感,手机"]
    # 12,000 respondents with two answers each and a hashed phone.
    lines += [f"K{i:06d},2025-03-{(i % 28) + 1:02d},S0{(i % 3) + 1},{(i % 5) + 1},{(i % 4) + 2},1380013{i % 10000:04d}"
              for i in range(12000)]
    big = tmp_path / "big_survey.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    env = {**os.environ, "JINGMIN_INGEST_FAILPOINT": "before_commit", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", "survey", str(big), "--db", str(db),
                             "--set", "mode=phone"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        seen = ""
        while "failpoint before_commit reached" not in seen:
            assert time.monotonic() < deadline and proc.poll() is None, seen
            seen += proc.stderr.readline()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    con = store.connect(db)
    assert snapshot(con) == before
    assert con.execute("SELECT count(*) FROM respondents WHERE respondent_id LIKE 'K%'").fetchall() == [(0,)]
    # The database still works and the same file now loads.
    assert ingest_file(con, "survey", big, user=LOCAL_USER).rows == 12000
    con.close()


# ---------------------------------------------------------------------------------------------
# The CLI


def test_cli_exit_codes_and_streams(reg_db, tmp_path, capsys):
    db = str(tmp_path / "t.duckdb")
    reg_db.close()
    assert cli_main(["ingest", "survey", str(FIXTURES / "bad_values.csv"), "--db", db]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[:3] == ["Rejected bad_values.csv: 10 problems found; nothing was loaded.",
                                    "impossible_date: 1",
                                    "  row 3, column 调查日期: '2025-02-30' is not a real calendar date"]
    assert cli_main(["ingest", "survey", str(FIXTURES / "survey_station_own.csv"), "--db", db,
                     "--set", "jurisdiction=S01", "--set", "interview_date=2025-03", "--set", "mode=sms",
                     "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == ("Checked survey_station_own.csv (survey): 2 rows would be loaded "
                                   "(dry run; nothing was written).")
    assert err == ""
    assert cli_main(["ingest", "survey", str(FIXTURES / "survey_station_own.csv"), "--db", db,
                     "--set", "jurisdiction=S01", "--set", "interview_date=2025-03", "--set", "mode=sms",
                     "--save-mapping", "own"]) == 0
    out, _err = capsys.readouterr()
    assert out.splitlines()[0] == "Loaded batch 2: survey_station_own.csv (survey), 2 rows."
    assert out.splitlines()[-1] == "  mapping saved as own"
    assert cli_main(["ingest", "survey", str(FIXTURES / "survey_station_own.csv"), "--db", db,
                     "--mapping", "no_such_mapping"]) == 2
    assert capsys.readouterr().err.startswith("error: No saved mapping named 'no_such_mapping'")
    assert cli_main(["ingest", "survey", str(FIXTURES / "survey_station_own.csv"), "--db", db,
                     "--set", "colour=blue"]) == 2
    assert cli_main(["batches", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("2,survey,survey_station_own.csv,2,")
    assert cli_main(["batches", "remove", "2", "--db", db]) == 0
    assert capsys.readouterr().out == "Removed batch 2: 2 respondents, 4 answers, 0 case events, 0 jurisdictions\n"


# ---------------------------------------------------------------------------------------------
# Real files published by others, with the shipped mappings


def test_real_files_load_with_shipped_mappings_and_show_figures(tmp_path, secret, real_data):
    con = store.connect(tmp_path / "real.duckdb")
    ingest_file(con, "jurisdictions", REPO / "data" / "mappings" / "real_jurisdictions.csv", user=LOCAL_USER)
    ess = ingest_file(con, "survey", real_data / "ess_belgium_r5_trust_police" / "ESSBE5.csv", mapping="ess_be5", user=LOCAL_USER)
    assert (ess.rows, ess.summary["dont_know"], ess.summary["survey_mode"]) == (1704, 3, "face_to_face")
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station'), indicators=['trust_police_6_10'])
    row = table.iloc[0]
    assert (row["jurisdiction"], row["n"], row["n_dk"]) == ("BE", 1701, 3)
    assert row["estimate"] == pytest.approx((258 + 427 + 295 + 67 + 39) / 1701)  # answers 6, 7, 8, 9, 10
    police = real_data / "police_uk_street_outcomes_2023_03"
    street = ingest_file(con, "cases", police / "2023-03-city-of-london-street.csv", mapping="police_uk_street", user=LOCAL_USER)
    # 709 rows: 38 anti-social behaviour rows without a Crime ID, 11 repeated ids -> 660 distinct crimes.
    assert (street.rows, street.summary["rows_skipped"], street.summary["superseded_in_file"]) == (660, 38, 11)
    outcomes = ingest_file(con, "cases", police / "2023-03-city-of-london-outcomes.csv", mapping="police_uk_outcomes", user=LOCAL_USER)
    # 618 outcome rows for 606 distinct crimes.
    assert (outcomes.rows, outcomes.summary["superseded_in_file"]) == (606, 12)
    assert outcomes.summary["new_cases"] + outcomes.summary["updated_cases"] == 606
    metrics = case_metrics(con, Selection(period_kind='all', level='station'), metrics=['solved_rate'])
    col = metrics[metrics["jurisdiction"] == "COL"].iloc[0]
    assert col["n"] > 0 and 0 < col["value"] < 1
    con.close()


def test_ess_belgium_loads_as_a_0_10_trust_mean_equal_to_pandas(tmp_path, secret, real_data):
    import pandas as pd
    from scipy import stats as sps

    from analytics.presentation import estimate_text

    con = store.connect(tmp_path / "ess.duckdb")
    ingest_file(con, "jurisdictions", REPO / "data" / "mappings" / "real_jurisdictions.csv", user=LOCAL_USER)
    ingest_file(con, "survey", real_data / "ess_belgium_r5_trust_police" / "ESSBE5.csv", mapping="ess_be5", user=LOCAL_USER)
    row = engine.indicator_table(con, Selection(period_kind='all', level='station'), indicators=['trust_police_mean']).iloc[0]
    y = pd.read_csv(real_data / "ess_belgium_r5_trust_police" / "ESSBE5.csv")["trstplc"].dropna()
    se = y.std(ddof=1) / len(y) ** 0.5
    half = sps.t.ppf(0.975, len(y) - 1) * se
    assert (row["jurisdiction"], row["n"], row["n_dk"], row["kind"], row["unit"]) == ("BE", len(y), 3, "mean", "/ 10")
    assert row["estimate"] == pytest.approx(y.mean(), rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(y.mean() - half), pytest.approx(y.mean() + half))
    assert estimate_text(row) == f"{y.mean():.1f} / 10"
    con.close()
