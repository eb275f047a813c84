"""``python -m analytics weights`` on the synthetic city: rake to a margins CSV, show, reset.

The synthetic city (tests/conftest.py) gets answers to ``sex`` (60% 女) and ``age_band`` (skewed old) so
the sample is unrepresentative; the margins are district × sex × age_band with equal shares. Raking must
meet the margins, change the weighted estimates, record the rake, and ``weights reset`` must restore the
weighted estimates exactly.
"""

from __future__ import annotations
from analytics.selection import Selection

import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import auth, engine, store, weights
from analytics.cli import main
from analytics.roles import LOCAL_USER

AGES = ["18-29", "30-44", "45-59", "60+"]


def _add_demographics(path: Path) -> None:
    con = store.connect(path)
    con.execute("""
        INSERT INTO answers
        SELECT respondent_key, batch_id, 'sex', CASE WHEN respondent_key % 5 < 3 THEN '女' ELSE '男' END
        FROM respondents""")
    con.execute("""
        INSERT INTO answers
        SELECT respondent_key, batch_id, 'age_band',
               CASE WHEN respondent_key // 5 % 10 = 0 THEN '18-29' WHEN respondent_key // 5 % 10 < 3 THEN '30-44'
                    WHEN respondent_key // 5 % 10 < 5 THEN '45-59' ELSE '60+' END
        FROM respondents""")
    con.close()


def _margins() -> pd.DataFrame:
    rows = [(d, s, a, 10_000 + 1_000 * i) for i, (d, s, a) in enumerate(
        (d, s, a) for d in ("D1", "D2") for s in ("男", "女") for a in AGES)]
    return pd.DataFrame(rows, columns=["district", "sex", "age_band", "population"])


@pytest.fixture
def city(synthetic_db_path) -> Path:
    _add_demographics(synthetic_db_path)
    return synthetic_db_path


def _weighted(path: Path) -> pd.DataFrame:
    con = store.connect(path)
    table = engine.indicator_table(con, Selection(period_kind='year', level='station', weighted=True))
    con.close()
    return table


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_rake_via_cli_meets_margins_changes_estimates_and_reset_restores(city, tmp_path, capsys, encoding):
    margins_file = tmp_path / "margins.csv"
    margins_file.write_bytes(_margins().to_csv(index=False).encode(encoding))
    before = _weighted(city)
    code = main(["weights", "rake", "--margins", str(margins_file), "--dims", "district,sex", "--dims", "age_band",
                 "--trim", "0.2", "5", "--db", str(city)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Raked batch(es) 1" in out and "Kish deff" in out and "D1" in out and "D2" in out

    con = store.connect(city)
    got = con.execute("""
        SELECT up.ancestor_code, s.code, sum(r.weight) FROM respondents r
        JOIN jurisdiction_ancestors up ON up.code = r.jurisdiction_code AND up.ancestor_level = 'district'
        JOIN answers s ON s.respondent_key = r.respondent_key AND s.item = 'sex'
        GROUP BY ALL""").df().set_axis(["district", "sex", "w"], axis=1)
    expected = _margins().groupby(["district", "sex"], as_index=False)["population"].sum()
    merged = expected.merge(got, on=["district", "sex"])
    np.testing.assert_allclose(merged["w"], merged["population"], rtol=1e-5)
    rake = con.execute("SELECT detail FROM audit_log WHERE action = 'weights.rake'").fetchall()
    assert json.loads(rake[0][0])["dims"] == [["district", "sex"], ["age_band"]]
    con.close()

    after = _weighted(city)
    changed = ~np.isclose(before["estimate"], after["estimate"], rtol=0, atol=1e-9) & before["estimate"].notna()
    assert changed.any()  # the weighted figures moved
    unweighted_before = before["n"].to_numpy()
    np.testing.assert_array_equal(after["n"].to_numpy(), unweighted_before)  # bases are respondents, unchanged

    assert main(["weights", "reset", "--db", str(city)]) == 0
    assert "Reset 6020 respondents" in capsys.readouterr().out
    restored = _weighted(city)
    pd.testing.assert_series_equal(restored["estimate"], before["estimate"])


def test_weights_show_reports_kish_neff_overall_and_per_district(city, capsys):
    con = store.connect(city)
    sum_w, sum_w2, n = con.execute("SELECT sum(weight), sum(weight * weight), count(*) FROM respondents").fetchone()
    con.close()
    assert main(["weights", "show", "--format", "json", "--db", str(city)]) == 0
    rows = json.loads(capsys.readouterr().out)
    overall = rows[0]
    assert overall["scope"] == "all" and overall["n"] == n
    assert overall["n_eff"] == pytest.approx(sum_w**2 / sum_w2, abs=0.05)
    assert overall["deff"] == pytest.approx(n * sum_w2 / sum_w**2, abs=5e-4)
    assert [r["district"] for r in rows if r["scope"] == "district"] == ["D1", "D2"]
    assert main(["weights", "show", "--db", str(city)]) == 0
    text = capsys.readouterr().out
    assert "design weights (never raked)" in text and "deff" in text


def test_default_post_stratification_skips_batches_without_the_items(city, tmp_path, capsys):
    con = store.connect(city)  # a second batch (say, SMS) that never asked sex or age
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count, survey_mode) "
                "VALUES (2, 'survey', 'sms.csv', 'x', 3, 'sms')")
    con.execute("INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date, "
                "design_weight, weight) VALUES (90001, 2, 'm1', 'S1', DATE '2025-03-01', NULL, NULL), "
                "(90002, 2, 'm2', 'S2', DATE '2025-03-02', NULL, NULL)")
    con.close()
    margins_file = tmp_path / "margins.csv"
    _margins().to_csv(margins_file, index=False)
    assert main(["weights", "rake", "--margins", str(margins_file), "--db", str(city)]) == 0
    assert "Raked batch(es) 1:" in capsys.readouterr().out
    con = store.connect(city)
    assert con.execute("SELECT count(*) FROM respondents WHERE batch_id = 2 AND weight IS NULL").fetchone()[0] == 2
    cells = con.execute("SELECT sum(sum_w) FROM indicator_cells WHERE indicator = 'satisfaction'").fetchone()[0]
    raked = con.execute("SELECT sum(r.weight) FROM respondents r JOIN answers a USING (respondent_key) "
                        "WHERE a.item = 'satisfaction' AND a.code <> '9'").fetchone()[0]
    assert cells == pytest.approx(raked)  # the cells were rebuilt from the raked weights
    con.close()


def test_bad_margins_or_role_fail_with_a_message_and_change_nothing(city, tmp_path, capsys, monkeypatch):
    margins_file = tmp_path / "margins.csv"
    _margins().to_csv(margins_file, index=False)
    con = store.connect(city)
    version = store.data_version(con)
    con.close()
    before = _weighted(city)
    assert main(["weights", "rake", "--margins", str(margins_file), "--dims", "district,religion",
                 "--db", str(city)]) == 2
    assert "religion" in capsys.readouterr().err
    broken = tmp_path / "broken.csv"
    broken.write_text("district,sex,age_band,population\nD1,男,18-29,-5\n", encoding="utf-8")
    assert main(["weights", "rake", "--margins", str(broken), "--db", str(city)]) == 2
    assert "positive number" in capsys.readouterr().err
    con = store.connect(city)
    auth.add_user(con, "boss", "a-long-password-1", "leader", user=LOCAL_USER)
    con.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password-1\n"))
    assert main(["weights", "rake", "--margins", str(margins_file), "--user", "boss", "--password-stdin",
                 "--db", str(city)]) == 2
    assert "may not" in capsys.readouterr().err
    con = store.connect(city)
    assert store.data_version(con) == version
    con.close()
    pd.testing.assert_frame_equal(_weighted(city), before)


def test_read_margins_accepts_gbk_and_chinese_population_header(tmp_path):
    frame = _margins().rename(columns={"population": "人口"})
    text = frame.to_csv(index=False)
    assert weights.read_margins(text.encode("gbk")).equals(weights.read_margins(text.encode("utf-8-sig")))
    read = weights.read_margins(text.encode("gbk"))
    assert list(read.columns) == ["district", "sex", "age_band", "population"]
    assert read["population"].sum() == _margins()["population"].sum()
    margins, dims = weights.margin_tables(read, [["sex"], ["district", "age_band"]])
    assert dims == [["sex"], ["district", "age_band"]] and len(margins[0]) == 2 and len(margins[1]) == 8
