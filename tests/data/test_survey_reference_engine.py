"""The engine and the raking in DuckDB against figures from R's `survey` package (tests/reference).

The committed design (strata, clusters in two stations, respondents as PSUs in the third, weights) is
loaded into a fresh database; weighted estimates, standard errors and 95% intervals per station,
district and city must equal svymean/svyciprop(method = "logit") — which uses the t quantile on
degf(design) — and unweighted intervals prop.test's Wilson interval. Raking to district x sex and age
band must give rake()'s weights. Tolerances as in tests/unit/test_survey_reference.py; raking runs to a
1e-12 margin tolerance, so the weights agree to 1e-9 relative.
"""

from __future__ import annotations
from analytics.selection import Selection

import numpy as np
import pandas as pd
import pytest

from analytics import engine, store
from analytics.weighting import rake_weights
from tests.reference.reference import HERE, design, figures
from tests.reference.reference import rake_weights as r_rake_weights
from analytics.roles import LOCAL_USER

R = figures()
LEVEL_OF = {"city": "city", "D1": "district", "D2": "district", "S1": "station", "S2": "station", "S3": "station"}


@pytest.fixture
def reference_db(tmp_path):
    con = store.connect(tmp_path / "reference.duckdb")
    d = design()
    con.execute("""
        INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES
        ('C', '市', 'City', NULL, 'city'), ('D1', '一区', 'D1', 'C', 'district'),
        ('D2', '二区', 'D2', 'C', 'district'), ('S1', '一所', 'S1', 'D1', 'station'),
        ('S2', '二所', 'S2', 'D1', 'station'), ('S3', '三所', 'S3', 'D2', 'station')""")
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (1, 'survey', 'design.csv', 'reference', $n)", {"n": len(d)})
    resp = pd.DataFrame({  # noqa: F841 (read by DuckDB's replacement scan)
        "respondent_key": np.arange(1, len(d) + 1), "batch_id": 1, "respondent_id": d["respondent_id"],
        "jurisdiction_code": d["station"], "interview_date": pd.Timestamp("2025-03-15"),
        "design_weight": d["design_weight"], "weight": d["design_weight"], "stratum": d["stratum"],
        "cluster": d["cluster"].replace("", None)})
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,"
                " design_weight, weight, stratum, cluster) SELECT * FROM resp")
    answer_rows = pd.concat([  # noqa: F841
        pd.DataFrame({"respondent_key": np.arange(1, len(d) + 1), "batch_id": 1, "item": item, "code": codes})
        for item, codes in (("seen_police", d["seen"].astype(int).astype(str)), ("sex", d["sex"]),
                            ("age_band", d["age_band"]))])
    con.execute("INSERT INTO answers SELECT * FROM answer_rows")
    con.execute("UPDATE settings SET value = '0' WHERE name IN ('suppress_below_n_eff', 'caution_below_n_eff')")
    engine.refresh_cells(con)
    yield con
    con.close()


def _rows(con, *, weighted: bool) -> dict[str, pd.Series]:
    out = {}
    for level in ("station", "district", "city"):
        table = engine.indicator_table(con, Selection(period_kind='all', level=level, weighted=weighted), indicators=['visibility'])
        out.update({r["jurisdiction"]: r for _, r in table.iterrows()})
    return out


def test_weighted_estimates_equal_svymean_and_svyciprop(reference_db):
    rows = _rows(reference_db, weighted=True)
    assert set(rows) == {"C", "D1", "D2", "S1", "S2", "S3"}
    for name, level in LEVEL_OF.items():
        row = rows["C" if name == "city" else name]
        assert row["level"] == level
        assert row["estimate"] == pytest.approx(R["design", name, "mean"], rel=1e-12), name
        assert row["se"] == pytest.approx(R["design", name, "se"], rel=1e-12), name
        assert row["ci_low"] == pytest.approx(R["design", name, "logit_low_t"], rel=1e-9), name
        assert row["ci_high"] == pytest.approx(R["design", name, "logit_high_t"], rel=1e-9), name


def test_weighted_interval_follows_the_confidence_level_setting(reference_db):
    store.set_setting(reference_db, "confidence_level", 0.9, user=LOCAL_USER)
    s1 = _rows(reference_db, weighted=True)["S1"]
    assert s1["ci_low"] == pytest.approx(R["design", "S1", "logit_low_t_90"], rel=1e-9)
    assert s1["ci_high"] == pytest.approx(R["design", "S1", "logit_high_t_90"], rel=1e-9)


def test_unweighted_intervals_equal_prop_test(reference_db):
    rows = _rows(reference_db, weighted=False)
    for name in LEVEL_OF:
        row = rows["C" if name == "city" else name]
        assert row["n"] == R["design", name, "n"]
        assert row["ci_low"] == pytest.approx(R["wilson", name, "low"], rel=1e-12), name
        assert row["ci_high"] == pytest.approx(R["wilson", name, "high"], rel=1e-12), name


def test_raked_weights_equal_r_rake(reference_db):
    ds = pd.read_csv(HERE / "margin_district_sex.csv", dtype={"district": str, "sex": str})
    age = pd.read_csv(HERE / "margin_age.csv", dtype={"age_band": str})
    rake_weights(reference_db, [ds, age], dims=[["district", "sex"], ["age_band"]], tol=1e-12, max_iter=1000, user=LOCAL_USER)
    ours = reference_db.execute("SELECT respondent_id, weight FROM respondents").df().set_index("respondent_id")
    theirs = r_rake_weights()
    assert len(ours) == len(theirs) == 134
    np.testing.assert_allclose(ours["weight"].loc[theirs.index].to_numpy(), theirs.to_numpy(), rtol=1e-9)
    engine.refresh_cells(reference_db)
    city = engine.indicator_table(reference_db, Selection(period_kind='all', level='city', weighted=True), indicators=['visibility'])
    assert city["estimate"].iloc[0] == pytest.approx(R["rake", "city", "mean"], rel=1e-9)
