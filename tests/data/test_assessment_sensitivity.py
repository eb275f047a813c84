"""The assessment ranking's sensitivity view (issue 18): the assessment with every respondent and without the ones
excluded after integrity alerts, side by side, against a hand computation; the subtraction of excluded respondents
against a rebuild of the cells without them (weighted, clustered); who may see what."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from analytics import assessment, auth, engine, integrity, store
from analytics.assessment import Component, Scheme
from analytics.db import execute
from analytics.errors import AccessDenied
from analytics.selection import Selection
from tests.conftest import build_synthetic_city
from tests.data.test_assessment import PERIOD, _db, _internal, _survey, sel

ANALYST = auth.User("ana", "analyst")
HAND = Scheme("hand", (Component("indicator", "visibility", 3), Component("internal", "clue_detection", 1)))


def _exclude(con, keys) -> None:
    execute(con, "integrity/exclude", {"keys": [int(k) for k in keys], "reasons": ["test"] * len(keys),
                                       "period": PERIOD, "actor": "ana"})


@pytest.fixture
def hand(tmp_path):
    con = _db(tmp_path)
    # Respondents (2025-11) with seen_police = 1 or 0 (knows_contact 1 for all): S1 60 of 100, S2 55 of 100,
    # S3 50 of 100. Internal clue detection: S1 30/60 = 0.5, S2 36/60 = 0.6, S3 42/60 = 0.7.
    _survey(con, {"S1": {(1, 1): 60, (0, 1): 40}, "S2": {(1, 1): 55, (0, 1): 45}, "S3": {(1, 1): 50, (0, 1): 50}})
    _internal(con, tmp_path, [("甲派出所", PERIOD, "clue_detection", "", 30, 60, "", "", ""),
                              ("乙派出所", PERIOD, "clue_detection", "", 36, 60, "", "", ""),
                              ("丙派出所", PERIOD, "clue_detection", "", 42, 60, "", "", "")])
    yield con
    con.close()


def _s1_seen(con, how_many: int) -> list[int]:
    rows = con.execute("SELECT r.respondent_key FROM respondents r JOIN answers a USING (respondent_key) "
                       "WHERE r.jurisdiction_code = 'S1' AND a.item = 'seen_police' AND a.code = '1' "
                       "ORDER BY r.respondent_key LIMIT $n", {"n": how_many}).fetchall()
    return [r[0] for r in rows]


def test_exclusions_change_the_assessment_ranking_as_computed_by_hand(hand):
    _exclude(hand, _s1_seen(hand, 20))
    table = integrity.assessment_sensitivity(hand, sel(ANALYST), HAND).frame.set_index("jurisdiction")
    # Score = 100 · (3 · visibility + 1 · clue detection) / 4 (points):
    #   S1: 100 · (3 · 0.60 + 0.5) / 4 = 57.50; without 20 of its 60 who saw police: 40/80 = 0.50 →
    #       100 · (1.5 + 0.5) / 4 = 50.00 (−7.5 points)
    #   S2: 100 · (3 · 0.55 + 0.6) / 4 = 56.25 on both sides; S3: 100 · (3 · 0.50 + 0.7) / 4 = 55.00 on both.
    # Ranks 1, 2, 3 (S1, S2, S3) become 3, 1, 2: S1 falls two places, S2 and S3 rise one each.
    expected = {"S1": (57.5, 50.0, 1, 3), "S2": (56.25, 56.25, 2, 1), "S3": (55.0, 55.0, 3, 2)}
    for code, (score, kept, rank, rank_kept) in expected.items():
        row = table.loc[code]
        assert row["score"] == pytest.approx(score)
        assert row["score_kept"] == pytest.approx(kept)
        assert (row["rank"], row["rank_kept"], row["rank_change"]) == (rank, rank_kept, rank_kept - rank)
        assert row["score_change"] == pytest.approx(kept - score)
    assert list(table["n_excluded"].loc[["S1", "S2", "S3"]]) == [20, 0, 0]
    # The interval kept is the delta method on the kept respondents (internal part unchanged):
    # se = (100/4) · sqrt(3² · 0.5·0.5/80 + 1² · 0.5·0.5/60) = 25 · sqrt(0.028125 + 0.0041667)
    se_kept = 25 * math.sqrt(9 * 0.25 / 80 + 0.25 / 60)
    assert table.loc["S1", "ci_high_kept"] - table.loc["S1", "score_kept"] == pytest.approx(1.959964 * se_kept,
                                                                                              rel=1e-5)
    # S2 and S3 are 1.25 points apart with se ≈ 4 each: they cannot be told apart on either side.
    assert table.loc["S2", "apart_from_next_kept"] is False and table.loc["S2", "apart_from_next"] is False
    # The excluded respondents are only left out of the sensitivity view: the assessment itself is unchanged.
    plain = assessment.assess(hand, sel(ANALYST), HAND).scores.set_index("jurisdiction")
    assert plain.loc["S1", "score"] == pytest.approx(57.5)


def test_restoring_makes_both_sides_equal_again(hand):
    _exclude(hand, _s1_seen(hand, 20))
    assert integrity.restore(hand, sel(ANALYST)) == 20
    result = integrity.assessment_sensitivity(hand, sel(ANALYST), HAND)
    table = result.frame
    np.testing.assert_allclose(table["score_kept"], table["score"])
    assert (table["rank_change"] == 0).all() and result.meta["n_excluded"] == 0
    assert len(integrity.exclusions(hand, sel(ANALYST))) == 20  # restored rows stay listed


def test_a_station_user_sees_only_its_own_rows_and_never_the_excluded_respondents(hand):
    _exclude(hand, _s1_seen(hand, 20))
    station = auth.User("s2chief", "station", "S2")
    for level in ("station", "district", "city"):
        table = integrity.assessment_sensitivity(hand, sel(station, level), HAND).frame
        assert set(table["jurisdiction"]) <= {"S2", "D1", "C"}
    mine = integrity.assessment_sensitivity(hand, sel(station), HAND)
    assert list(mine.frame["jurisdiction"]) == ["S2"] and mine.meta["n_excluded"] == 0  # S1's 20 are not counted
    asked = integrity.assessment_sensitivity(hand, sel(station, jurisdiction_codes=("S1",)), HAND).frame
    assert set(asked["jurisdiction"]) <= {"S2"} and asked["score"].isna().all()
    # The rows behind the counts (and restoring them) need the integrity permission, checked in the engine.
    for user in (station, auth.User("boss", "leader")):
        for call in (integrity.exclusions, integrity.restore, integrity.flagged_rows, integrity.exclude_flagged):
            with pytest.raises(AccessDenied):
                call(hand, sel(user))


# ------------------------------------------------------------------------------------------ engine subtraction

@pytest.mark.parametrize("weighted", [False, True])
def test_leaving_out_excluded_equals_rebuilding_the_cells_without_them(tmp_path, weighted):
    """indicator_table(without_excluded=True) against a second store where the same respondents are deleted and
    the cells rebuilt (refresh_cells): estimates, standard errors, bases and intervals agree, with half the
    respondents in clusters of 4 (the PSU cross-products must lose only the excluded members)."""
    stores = []
    for name in ("subtract", "rebuild"):
        con = store.connect(tmp_path / f"{name}.duckdb")
        build_synthetic_city(con, respondents=3000, seed=11)
        con.execute("UPDATE respondents SET cluster = 'k' || CAST(respondent_key // 4 AS VARCHAR) "
                    "WHERE respondent_key % 2 = 0")
        engine.refresh_cells(con)
        stores.append(con)
    subtract, rebuild = stores
    rng = np.random.default_rng(3)
    keys = [int(k) for k in rng.choice(np.arange(1, 3001), 400, replace=False)]
    _exclude(subtract, keys)
    rebuild.execute("DELETE FROM answers WHERE list_contains($k, respondent_key)", {"k": keys})
    rebuild.execute("DELETE FROM respondents WHERE list_contains($k, respondent_key)", {"k": keys})
    engine.refresh_cells(rebuild)
    for level, kind, periods in (("station", "quarter", ("2025Q3", "2025Q4")), ("district", "year", ("2025",)),
                                 ("city", "rolling12", ("2025-12R12",))):
        s = Selection(period_kind=kind, periods=periods, level=level, weighted=weighted)
        got = engine.indicator_table(subtract, s, without_excluded=True)
        want = engine.indicator_table(rebuild, s)
        columns = ["n", "n_dk", "n_eff", "estimate", "se", "ci_low", "ci_high"]
        pd.testing.assert_frame_equal(got[["jurisdiction", "period", "indicator", "flag"]],
                                      want[["jurisdiction", "period", "indicator", "flag"]])
        np.testing.assert_allclose(got[columns].to_numpy(float), want[columns].to_numpy(float), rtol=1e-9,
                                   atol=1e-12)
        assert not np.allclose(engine.indicator_table(subtract, s)["estimate"].to_numpy(float),
                               got["estimate"].to_numpy(float), equal_nan=True)
    for con in stores:
        con.close()


# ------------------------------------------------------------------------------------------ command line

def test_cli_prints_the_sensitivity_ranking_as_csv_and_json(hand, tmp_path, capsys):
    from analytics import assessment as assessment_module
    from analytics.cli import main
    from analytics.roles import LOCAL_USER

    assessment_module.save_scheme(hand, HAND, user=LOCAL_USER)
    _exclude(hand, _s1_seen(hand, 20))
    path = hand.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                        ).fetchall()[0][0]
    hand.close()
    assert main(["assess", "--period", PERIOD, "--scheme", "hand", "--sensitivity", "--db", path]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out)).set_index("jurisdiction")
    # The hand figures of test_exclusions_change_the_assessment_ranking_as_computed_by_hand.
    assert table.loc["S1", ["score", "score_kept"]].tolist() == pytest.approx([57.5, 50.0])
    assert table.loc[["S1", "S2", "S3"], "rank_change"].tolist() == [2, -1, -1]
    assert table.loc["S1", "n_excluded"] == 20
    assert "20 respondents excluded" in captured.err and "Integrity page" in captured.err
    assert main(["assess", "--period", PERIOD, "--scheme", "hand", "--sensitivity", "--format", "json",
                 "--db", path]) == 0
    rows = {r["jurisdiction"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["S2"]["rank"] == 2 and rows["S2"]["rank_kept"] == 1
    assert rows["S1"]["score_kept"] == pytest.approx(50.0)
    con = store.connect(path, read_only=True)
    audited = con.execute("SELECT detail FROM audit_log WHERE action = 'export.cli'").fetchall()
    con.close()
    assert len(audited) == 2 and all("sensitivity" in d[0] for d in audited)


def test_with_no_exclusion_in_force_the_kept_side_is_the_assessment_itself(hand, monkeypatch):
    """No exclusion in force (none made, or all restored): leaving the excluded out reads the same respondents, so
    the kept side is the assessment itself and is not computed again; its figures equal what a second assessment
    without the excluded gives (computed here the long way). A caller's own assessment is reused as given."""
    _exclude(hand, _s1_seen(hand, 20))
    integrity.restore(hand, sel(ANALYST))
    long_way = assessment.assess(hand, sel(ANALYST), HAND, without_excluded=True).scores.set_index("jurisdiction")
    calls = []
    real = assessment.assess
    monkeypatch.setattr(assessment, "assess", lambda *a, **k: calls.append(k) or real(*a, **k))
    table = integrity.assessment_sensitivity(hand, sel(ANALYST), HAND).frame.set_index("jurisdiction")
    assert calls == [{}]                                      # one assessment: every respondent
    for column in ("score", "ci_low", "ci_high", "rank", "rank_low", "rank_high"):
        np.testing.assert_allclose(table[f"{column}_kept"].to_numpy(float),
                                   long_way.loc[table.index, column].to_numpy(float), rtol=1e-12)
    every = real(hand, sel(ANALYST), HAND)
    calls.clear()
    again = integrity.assessment_sensitivity(hand, sel(ANALYST), HAND, every=every).frame
    assert calls == []
    pd.testing.assert_frame_equal(again, table.reset_index()[again.columns])
    # An exclusion in force: the kept side is computed without it (S1 loses 20 who saw police, as above).
    _exclude(hand, _s1_seen(hand, 20))
    kept = integrity.assessment_sensitivity(hand, sel(ANALYST), HAND, every=every).frame.set_index("jurisdiction")
    assert calls == [{"without_excluded": True}]
    assert kept.loc["S1", "score_kept"] == pytest.approx(50.0) and kept.loc["S1", "score"] == pytest.approx(57.5)
