"""indicator_cells: a load adds its batch's cells instead of rebuilding, and the sums equal a by-hand
per-PSU computation (clustered and unclustered respondents, weights, strata, don't-know answers), after any
sequence of batches added and removed (a hypothesis property test, derandomised and bounded)."""

import csv
import json
import random
import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import engine, store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, remove_batch
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db

KEY = ["indicator", "jurisdiction_code", "month", "stratum"]
SUMS = ["n", "n_dk", "n_psu", "sum_y", "sum_y2", "sum_w", "sum_w2", "sum_wy", "psu_aa", "psu_ab", "psu_bb"]
HEADER = ["respondent_id", "interview_date", "jurisdiction", "weight", "stratum", "cluster", "seen_police",
          "satisfaction"]


def write_survey(path, prefix, rows, *, clusters, seed):
    """A survey file of ``rows`` respondents in S01/S02 over two months; clusters drawn from ``clusters``."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([
                f"{prefix}{i:03d}", f"2025-0{rng.choice([1, 2])}-{rng.randint(1, 28):02d}", rng.choice(["S01", "S02"]),
                f"{rng.uniform(0.5, 3.0):.3f}", rng.choice(["a", "b", ""]), rng.choice(clusters),
                rng.choice(["1", "0", "9", ""]), rng.choice(["5", "4", "3", "2", "1", "9"]),
            ])
    return path


def cells(con):
    frame = con.execute("SELECT * FROM indicator_cells").df()
    return frame.sort_values(KEY).reset_index(drop=True)


def by_hand(con):
    """The cells from respondents and answers, one PSU = cluster or respondent, summed in pandas."""
    answers = con.execute("""
        SELECT i.key AS indicator, r.jurisdiction_code, CAST(date_trunc('month', r.interview_date) AS DATE) AS month,
               coalesce(r.stratum, '') AS stratum, coalesce(r.cluster, 'respondent ' || r.respondent_key) AS psu,
               coalesce(r.weight, 1.0) AS w, a.code, i.scoring, i.dk_codes
        FROM answers a JOIN respondents r USING (respondent_key) JOIN indicators i ON i.item = a.item
        WHERE i.enabled
    """).df()
    answers["is_dk"] = [code in json.loads(dk) for code, dk in zip(answers["code"], answers["dk_codes"], strict=True)]
    scoring = answers["scoring"].map(json.loads)
    answers["y"] = [None if dk else s.get(c) for c, s, dk in zip(answers["code"], scoring, answers["is_dk"],
                                                                  strict=True)]
    answers = answers[answers["is_dk"] | answers["y"].notna()].copy()
    answers["y"] = answers["y"].astype(float)
    sub = ~answers["is_dk"]
    answers["n"] = sub.astype(int)
    answers["n_dk"] = answers["is_dk"].astype(int)
    answers["yy"] = answers["y"].fillna(0.0)
    answers["sw"] = answers["w"].where(sub, 0.0)
    answers["swy"] = (answers["w"] * answers["yy"]).where(sub, 0.0)
    psu = answers.groupby(KEY + ["psu"]).agg(n=("n", "sum"), n_dk=("n_dk", "sum"), sum_y=("yy", "sum"),
                                             sum_y2=("yy", lambda v: float((v * v).sum())), sum_w=("sw", "sum"),
                                             sum_w2=("sw", lambda v: float((v * v).sum())), sum_wy=("swy", "sum"))
    psu = psu.reset_index()
    psu["has"] = (psu["n"] > 0).astype(int)
    psu["aa"] = psu["sum_wy"] ** 2
    psu["ab"] = psu["sum_wy"] * psu["sum_w"]
    psu["bb"] = psu["sum_w"] ** 2
    out = psu.groupby(KEY).agg(n=("n", "sum"), n_dk=("n_dk", "sum"), n_psu=("has", "sum"), sum_y=("sum_y", "sum"),
                               sum_y2=("sum_y2", "sum"), sum_w=("sum_w", "sum"), sum_w2=("sum_w2", "sum"),
                               sum_wy=("sum_wy", "sum"), psu_aa=("aa", "sum"), psu_ab=("ab", "sum"),
                               psu_bb=("bb", "sum"))
    return out.reset_index().sort_values(KEY).reset_index(drop=True)


def assert_same(left, right):
    assert list(left[KEY].itertuples(index=False)) == list(right[KEY].itertuples(index=False))
    for column in SUMS:
        assert left[column].to_numpy(dtype=float) == pytest.approx(right[column].to_numpy(dtype=float), rel=1e-12,
                                                                   abs=1e-9), column


@pytest.fixture
def statements(monkeypatch):
    """The named statements refresh_cells runs, in order."""
    names = []
    real = engine.execute

    def spy(con, name, params=None):
        names.append(name)
        return real(con, name, params)

    monkeypatch.setattr(engine, "execute", spy)
    return names


def shares_a_cluster(con, batch_id: int) -> bool:
    """Whether a respondent of ``batch_id`` has a cluster that a respondent of another batch has in the same
    jurisdiction, month, stratum and wave (computed in pandas, apart from the engine's SQL)."""
    resp = con.execute("SELECT batch_id, cluster, jurisdiction_code, interview_date, stratum, wave FROM respondents "
                       "WHERE cluster IS NOT NULL").df()
    resp["month"] = pd.to_datetime(resp["interview_date"]).dt.to_period("M")
    resp[["stratum", "wave"]] = resp[["stratum", "wave"]].fillna("")
    on = ["cluster", "jurisdiction_code", "month", "stratum", "wave"]
    new, old = resp[resp["batch_id"] == batch_id], resp[resp["batch_id"] != batch_id]
    return not new[on].merge(old[on].drop_duplicates(), on=on).empty


CLUSTERS = ["k1", "k2", "k3", "k4", ""]  # "" = a respondent without a cluster (its own PSU)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=4), st.integers(8, 40),
              st.integers(0, 2**16)),
    st.tuples(st.just("remove"), st.integers(0, 3), st.just(0), st.just(0)),
), min_size=1, max_size=4)


def test_cells_after_batches_added_and_removed_equal_the_sums_by_hand_and_a_rebuild(
        secret, registry_template, tmp_path, statements):
    """Any sequence of survey batches loaded (clusters new or shared with loaded ones, with lone respondents,
    weights, strata, don't-know answers) and removed: after each step the cells equal the per-PSU sums by hand
    and a full rebuild; a load adds its cells unless it shares a cluster with another batch, then rebuilds."""
    seen = {"indicators/cells_add_batch": 0, "indicators/refresh_cells": 0, "remove": 0, "psu_below_n": 0}
    runs = iter(range(10**6))

    @settings(max_examples=10, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(STEPS)
    def batches(steps):
        path = tmp_path / f"run{next(runs)}.duckdb"
        shutil.copyfile(registry_template, path)
        con = store.connect(path)
        try:
            loaded: list[int] = []
            for number, (action, clusters, rows, seed) in enumerate(steps):
                statements.clear()
                if action == "add":
                    file = write_survey(tmp_path / f"b{number}.csv", f"B{number}_", rows, clusters=clusters, seed=seed)
                    batch_id = ingest_file(con, "survey", file, user=LOCAL_USER).batch_id
                    loaded.append(batch_id)
                    expected = ("indicators/refresh_cells" if shares_a_cluster(con, batch_id)
                                else "indicators/cells_add_batch")
                    other = ({"indicators/cells_add_batch", "indicators/refresh_cells"} - {expected}).pop()
                    assert expected in statements and other not in statements
                    seen[expected] += 1
                elif loaded:
                    remove_batch(con, loaded.pop(clusters % len(loaded)), user=LOCAL_USER)
                    seen["remove"] += 1
                after = cells(con)
                assert_same(after, by_hand(con))
                engine.refresh_cells(con)
                assert_same(after, cells(con))
                # The PSU count is clusters plus lone respondents with a substantive answer, not respondents.
                seen["psu_below_n"] += int((after["n_psu"] < after["n"]).any())
        finally:
            con.close()
            path.unlink()

    batches()
    assert all(seen.values()), seen


def test_two_columns_for_one_item_are_rejected(reg_db, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("respondent_id,interview_date,jurisdiction,q1,q2\nR1,2025-01-05,S01,1,0\n", encoding="utf-8")
    mapping = {"kind": "survey", "columns": {"respondent_id": "respondent_id", "interview_date": "interview_date",
                                             "jurisdiction": "jurisdiction", "q1": "seen_police", "q2": "seen_police"}}
    with pytest.raises(IngestError) as err:
        ingest_file(reg_db, "survey", path, mapping=mapping, user=LOCAL_USER)
    assert [(p.column, p.key) for p in err.value.problems if p.code == "mapping"] == [("q2", "field_taken")]
    assert reg_db.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 0
