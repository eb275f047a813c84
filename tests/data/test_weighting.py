"""Raking in DuckDB (analytics.weighting) against an independent numpy IPF on the same tiny database.

Tolerances: final weights agree with the numpy reference to rtol 1e-6; margins are met to 1e-8
relative (rake run with tol 1e-10). Every error case must raise WeightingError and leave
``respondents.weight``, the data version and the audit log unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.errors import WeightingError
from analytics.weighting import RakeResult, rake_weights, reset_weights
from analytics.roles import LOCAL_USER, User

DISTRICT_OF = {"S11": "D1", "S12": "D1", "S21": "D2"}


def _people(seed: int = 42, n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "respondent_key": np.arange(1, n + 1),
        "batch_id": np.where(np.arange(n) < 70, 1, 2),
        "station": rng.choice(list(DISTRICT_OF), n),
        "sex": rng.choice(["1", "2"], n, p=[0.35, 0.65]),  # women over-represented
        "age_band": rng.choice(["1", "2", "3"], n, p=[0.2, 0.3, 0.5]),
        "design_weight": rng.uniform(0.5, 2.0, n).round(3),
    })
    df.loc[[3, 10, 20], "design_weight"] = np.nan  # NULL design weight = 1
    df["district"] = df["station"].map(DISTRICT_OF)
    return df


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the tiny database once (migrations are the slow part); each test gets a copy."""
    path = tmp_path_factory.mktemp("rake") / "template.duckdb"
    con = duckdb.connect(str(path))
    _fill(con)
    con.close()
    return path


@pytest.fixture()
def db(template_db: Path, tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, pd.DataFrame]]:
    path = tmp_path / "t.duckdb"
    shutil.copyfile(template_db, path)
    con = duckdb.connect(str(path))
    yield con, _people()
    con.close()


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    store.migrate(con)
    con.execute(
        "INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES "
        "('C', '市', 'City', NULL, 'city'), ('D1', '一区', 'D1', 'C', 'district'), "
        "('D2', '二区', 'D2', 'C', 'district'), ('S11', '一所', 'S11', 'D1', 'station'), "
        "('S12', '二所', 'S12', 'D1', 'station'), ('S21', '三所', 'S21', 'D2', 'station')"
    )
    con.execute(
        "INSERT INTO batches (batch_id, kind, source_name, sha256, row_count, status) VALUES "
        "(1, 'survey', 'a.csv', 'x', 70, 'loaded'), (2, 'survey', 'b.csv', 'y', 20, 'loaded'), "
        "(3, 'survey', 'c.csv', 'z', 1, 'removed')"
    )
    people = _people()
    resp = pd.DataFrame({
        "respondent_key": people["respondent_key"], "batch_id": people["batch_id"],
        "respondent_id": "r" + people["respondent_key"].astype(str),
        "jurisdiction_code": people["station"], "interview_date": pd.Timestamp("2024-03-01"),
        "design_weight": people["design_weight"], "weight": people["design_weight"],
    })
    con.register("resp_in", resp)
    con.execute(
        "INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date, "
        "design_weight, weight) SELECT respondent_key, batch_id, respondent_id, jurisdiction_code, "
        "CAST(interview_date AS DATE), design_weight, weight FROM resp_in"
    )
    # a respondent of a removed batch, with odd answers: must be ignored entirely
    con.execute(
        "INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date, "
        "design_weight, weight) VALUES (999, 3, 'gone', 'S11', DATE '2024-03-01', 7.0, 7.0)"
    )
    answers = pd.concat([
        pd.DataFrame({"respondent_key": people["respondent_key"], "batch_id": people["batch_id"],
                      "item": item, "code": people[item]})
        for item in ("sex", "age_band")
    ] + [pd.DataFrame({"respondent_key": people["respondent_key"], "batch_id": people["batch_id"],
                       "item": "q1", "code": "1"})])
    con.register("ans_in", answers)
    con.execute("INSERT INTO answers SELECT respondent_key, batch_id, item, code FROM ans_in")
    con.execute("INSERT INTO answers VALUES (999, 3, 'sex', '7'), (999, 3, 'age_band', '9')")
    con.unregister("resp_in")
    con.unregister("ans_in")


def _margins(total: float = 10_000.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    ds = pd.DataFrame({
        "district": ["D1", "D1", "D2", "D2"], "sex": ["1", "2", "1", "2"],
        "population": np.array([0.33, 0.32, 0.18, 0.17]) * total,
    })
    age = pd.DataFrame({"age_band": [1, 2, 3], "population": np.array([0.3, 0.4, 0.3]) * total})
    return ds, age


def _numpy_ipf(people: pd.DataFrame, margins: list[tuple[list[str], pd.DataFrame]], *,
               trim: tuple[float, float] | None = None, tol: float = 1e-12, max_iter: int = 1000,
               cycles: int | None = None) -> np.ndarray:
    """Reference IPF written independently of the SQL: per-respondent numpy arrays and bincount.

    Runs to convergence (``tol``), or exactly ``cycles`` full cycles when given.
    """
    w = people["design_weight"].fillna(1.0).to_numpy(float).copy()
    codes, targets = [], []
    for dim_list, frame in margins:
        key_people = people[dim_list].astype(str).agg("|".join, axis=1)
        key_margin = frame[dim_list].astype(str).agg("|".join, axis=1)
        lookup = {k: i for i, k in enumerate(key_margin)}
        codes.append(key_people.map(lookup).to_numpy(int))
        targets.append(frame["population"].to_numpy(float))
    total = targets[0].sum()
    mean = total / w.size
    for it in range(1, (cycles or max_iter) + 1):
        for code, target in zip(codes, targets, strict=True):
            sums = np.bincount(code, weights=w, minlength=target.size)
            w = w * (target / sums)[code]
        if trim is not None:
            w = np.clip(w, trim[0] * mean, trim[1] * mean)
        err = max(np.max(np.abs(np.bincount(c, weights=w, minlength=t.size) - t) / t)
                  for c, t in zip(codes, targets, strict=True))
        if (cycles is None and err < tol) or it == cycles:
            return w
    raise AssertionError("reference IPF did not converge")


def _weights(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT respondent_key, weight FROM respondents ORDER BY respondent_key").df()


def _state(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int, int]:
    return _weights(con), store.data_version(con), con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


# --------------------------------------------------------------------------------------------------
# Raking matches the reference and meets the margins
# --------------------------------------------------------------------------------------------------


def test_rake_matches_numpy_ipf_and_meets_margins(db) -> None:
    con, people = db
    ds, age = _margins()
    version0 = store.data_version(con)
    result = rake_weights(con, [ds, age], dims=[["district", "sex"], ["age_band"]], tol=1e-10, user=User('tester', "admin"))
    assert isinstance(result, RakeResult) and result.converged
    assert 2 <= result.iterations <= 50
    assert result.max_margin_error < 1e-10

    got = _weights(con).set_index("respondent_key")["weight"]
    age_ref = age.assign(age_band=age["age_band"].astype(str))
    ref = _numpy_ipf(people, [(["district", "sex"], ds), (["age_band"], age_ref)])
    np.testing.assert_allclose(got.loc[people["respondent_key"]].to_numpy(), ref, rtol=1e-6)
    # removed batch untouched
    assert got.loc[999] == 7.0

    # margins met (relative 1e-8)
    people = people.assign(w=got.loc[people["respondent_key"]].to_numpy())
    by_ds = people.groupby(["district", "sex"])["w"].sum()
    np.testing.assert_allclose(by_ds.loc[list(zip(ds["district"], ds["sex"], strict=True))].to_numpy(),
                               ds["population"].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(people.groupby("age_band")["w"].sum().loc[["1", "2", "3"]].to_numpy(),
                               age["population"].to_numpy(), rtol=1e-8)

    # summary numbers
    w = people["w"].to_numpy()
    assert result.weight_min == pytest.approx(w.min(), rel=1e-12)
    assert result.weight_max == pytest.approx(w.max(), rel=1e-12)
    assert result.deff_kish == pytest.approx(w.size * np.sum(w**2) / np.sum(w) ** 2, rel=1e-10)
    assert result.deff_kish > 1.0

    # bookkeeping
    assert store.data_version(con) == version0 + 1
    actor, action = con.execute("SELECT actor, action FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert (actor, action) == ("tester", "weights.rake")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_jm_rake%'").fetchone()[0] == 0


def test_rake_single_batch_station_dimension_and_trim(db) -> None:
    con, people = db
    before = _weights(con).set_index("respondent_key")["weight"]
    sub = people[people["batch_id"] == 1]
    st = sub.groupby("station").size().rename("population").reset_index()
    st["population"] = [400.0, 350.0, 250.0]
    age = pd.DataFrame({"age_band": ["1", "2", "3"], "population": [300.0, 300.0, 400.0]})
    trim = (0.4, 2.0)
    result = rake_weights(con, [st, age], dims=[["station"], ["age_band"]], batch_ids=[1], trim=trim, tol=1e-8,
                          max_iter=200, user=LOCAL_USER)
    assert result.max_margin_error < 1e-8
    got = _weights(con).set_index("respondent_key")["weight"]
    # same number of trim-and-rake cycles in the reference: same fixed-point path
    ref = _numpy_ipf(sub, [(["station"], st), (["age_band"], age)], trim=trim, cycles=result.iterations)
    np.testing.assert_allclose(got.loc[sub["respondent_key"]].to_numpy(), ref, rtol=1e-6)
    mean = 1000.0 / len(sub)
    assert result.weight_min >= trim[0] * mean * (1 - 1e-12)
    assert result.weight_max <= trim[1] * mean * (1 + 1e-12)
    # untrimmed raking would exceed the upper bound on this sample (so trimming did something)
    untrimmed = _numpy_ipf(sub, [(["station"], st), (["age_band"], age)])
    assert untrimmed.max() > trim[1] * mean and untrimmed.min() < trim[0] * mean
    assert result.weight_max == pytest.approx(trim[1] * mean, rel=1e-12)
    # batch 2 untouched
    other = people.loc[people["batch_id"] == 2, "respondent_key"]
    pd.testing.assert_series_equal(got.loc[other], before.loc[other])


def test_totals_within_tolerance_are_rescaled(db) -> None:
    con, people = db
    ds, age = _margins()
    age["population"] *= 1.0005  # 0.05% apart: accepted, rescaled to margin 1's total
    rake_weights(con, [ds, age], dims=[["district", "sex"], ["age_band"]], user=LOCAL_USER)
    total = con.execute("SELECT sum(weight) FROM respondents WHERE batch_id IN (1, 2)").fetchone()[0]
    assert total == pytest.approx(10_000.0, rel=1e-6)


def test_reset_weights(db) -> None:
    con, people = db
    ds, age = _margins()
    rake_weights(con, [ds, age], dims=[["district", "sex"], ["age_band"]], user=LOCAL_USER)
    version = store.data_version(con)
    assert reset_weights(con, [1], user=LOCAL_USER) == 70
    w = _weights(con).set_index("respondent_key")["weight"]
    b1 = people[people["batch_id"] == 1]
    np.testing.assert_array_equal(w.loc[b1["respondent_key"]].to_numpy(), b1["design_weight"].to_numpy())
    assert not np.allclose(w.loc[people.loc[people["batch_id"] == 2, "respondent_key"]].to_numpy(),
                           people.loc[people["batch_id"] == 2, "design_weight"].fillna(1).to_numpy())
    assert reset_weights(con, user=LOCAL_USER) == 91
    assert store.data_version(con) == version + 2


# --------------------------------------------------------------------------------------------------
# Errors: WeightingError, nothing changed
# --------------------------------------------------------------------------------------------------


def _error_cases() -> list[tuple[str, list[pd.DataFrame], list[list[str]], dict, str]]:
    ds, age = _margins()
    extra_cat = pd.concat([age, pd.DataFrame({"age_band": [4], "population": [0.0]})])
    extra_cat.loc[extra_cat["age_band"] == 4, "population"] = 500.0
    extra_cat.loc[extra_cat["age_band"] == 1, "population"] -= 500.0
    missing_cat = pd.DataFrame({"age_band": ["1", "2"], "population": [5000.0, 5000.0]})
    wrong_total = age.assign(population=age["population"] * 1.05)
    zero_pop = age.assign(population=[3000.0, 7000.0, 0.0])
    ds_bad_sub = ds.assign(population=[3000.0, 3000.0, 2000.0, 2000.0])
    dist = pd.DataFrame({"district": ["D1", "D2"], "population": [6500.0, 3500.0]})
    return [
        ("absent from sample", [ds, extra_cat], [["district", "sex"], ["age_band"]], {}, "age_band=4"),
        ("absent from margins", [ds, missing_cat], [["district", "sex"], ["age_band"]], {}, "age_band=3"),
        ("totals disagree", [ds, wrong_total], [["district", "sex"], ["age_band"]], {}, "5.00% apart"),
        ("non-positive population", [ds, zero_pop], [["district", "sex"], ["age_band"]], {}, "age_band=3"),
        ("no convergence", [ds, age], [["district", "sex"], ["age_band"]], {"max_iter": 1}, "did not converge"),
        ("subtotals disagree", [dist, ds_bad_sub], [["district"], ["district", "sex"]], {}, "district=D1"),
        ("unknown item", [ds, age.rename(columns={"age_band": "agee"})], [["district", "sex"], ["agee"]], {},
         "'agee'"),
        ("bad trim", [ds, age], [["district", "sex"], ["age_band"]], {"trim": (2.0, 3.0)}, "0 < lo <= 1"),
        ("missing column", [ds, age], [["district", "sex"], ["age"]], {}, "lacks the column"),
    ]


@pytest.mark.parametrize("case", _error_cases(), ids=lambda c: c[0])
def test_errors_leave_weights_unchanged(db, case) -> None:
    con, _people_df = db
    _name, margins, dims, kwargs, message = case
    before = _state(con)
    with pytest.raises(WeightingError, match=message.replace("(", r"\(")):
        rake_weights(con, margins, dims=dims, **kwargs, user=LOCAL_USER)
    after = _state(con)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1:] == before[1:]
    # the connection is usable and outside any transaction afterwards
    con.execute("BEGIN TRANSACTION")
    con.execute("ROLLBACK")


def test_unanswered_item_and_bad_design_weight(db) -> None:
    con, _people_df = db
    ds, age = _margins()
    con.execute("DELETE FROM answers WHERE item = 'age_band' AND respondent_key IN (5, 6)")
    before = _state(con)
    with pytest.raises(WeightingError, match="2 of 90 respondents have no answer to item 'age_band'"):
        rake_weights(con, [ds, age], dims=[["district", "sex"], ["age_band"]], user=LOCAL_USER)
    assert _state(con)[1:] == before[1:]
    con.execute("UPDATE respondents SET design_weight = -1 WHERE respondent_key = 8")
    with pytest.raises(WeightingError, match="design weight"):
        rake_weights(con, [ds], dims=[["district", "sex"]], user=LOCAL_USER)
    pd.testing.assert_frame_equal(_weights(con), before[0])
