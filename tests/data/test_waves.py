"""Survey waves (issue 13 item 9): a wave label per file or per row, waves compared wave to wave.

The test writes its own files: wave FY22Q1 (January 2022, the label given for the whole file) and wave
2022年第二轮 (September 2022, eight months later, labelled per row in a 轮次 column). Every figure is
worked out by hand in the comments.
"""

from analytics.selection import Selection
import json
import math

import pandas as pd
import pytest

from analytics import engine, store, waves
from analytics.cli import main
from analytics.errors import ConfigError, UnknownNameError
from analytics.ingest import ingest_file, propose_mapping
from analytics.selection import Selection
from tests.data import test_open_vocab as ov
from analytics.roles import LOCAL_USER

secret = ov.secret
registry_template = ov.registry_template
_reg_db = ov.reg_db


@pytest.fixture
def reg_db(_reg_db):
    """The registry database with small bases shown (the files here have ten respondents a wave)."""
    store.set_setting(_reg_db, "suppress_below_n_eff", 1, user=LOCAL_USER)
    store.set_setting(_reg_db, "caution_below_n_eff", 1, user=LOCAL_USER)
    return _reg_db

FIRST, SECOND = "FY22Q1", "2022年第二轮"


def _first_wave(tmp_path):
    # S01, 2022-01-10: 6 满意 (top-2 box: 1) and 4 不满意 (0) -> 6/10 = 0.6
    rows = [(f"A{i}", "2022-01-10", "S01", "phone", "满意" if i < 6 else "不满意") for i in range(10)]
    return ov.write(tmp_path, "wave1.csv", ov.survey_csv(rows))


def _second_wave(tmp_path, blank_row=True):
    # S01, 2022-09-12, 轮次 per row: 9 满意 and 1 不满意 -> 9/10 = 0.9; plus one 满意 row without a wave.
    header = "问卷编号,调查日期,派出所,调查方式,总体满意度,轮次"
    rows = [(f"B{i}", "2022-09-12", "S01", "phone", "满意" if i < 9 else "不满意", SECOND) for i in range(10)]
    if blank_row:
        rows.append(("B10", "2022-09-12", "S01", "phone", "满意", ""))
    return ov.write(tmp_path, "wave2.csv", ov.survey_csv(rows, header))


@pytest.fixture
def two_waves(reg_db, tmp_path):
    first = ingest_file(reg_db, "survey", _first_wave(tmp_path), constants={"wave": FIRST}, user=LOCAL_USER)
    second = ingest_file(reg_db, "survey", _second_wave(tmp_path), user=LOCAL_USER)
    return reg_db, first, second


def test_a_wave_column_is_proposed_from_its_header(reg_db, tmp_path):
    proposal = propose_mapping(reg_db, "survey", _second_wave(tmp_path))
    assert dict(zip(proposal.columns_frame()["column"], proposal.columns_frame()["target"], strict=True))["轮次"] \
        == "wave"


def test_waves_are_stored_per_file_and_per_row_and_ordered_by_first_date(two_waves):
    con, first, second = two_waves
    assert first.summary["waves"] == {FIRST: 10}
    assert second.summary["waves"] == {SECOND: 10}
    assert any("1 row has no survey wave" in w for w in second.warning_texts("en"))
    listed = waves.wave_list(con)
    assert listed["label"].tolist() == [FIRST, SECOND]
    assert [str(pd.Timestamp(d).date()) for d in listed["first_date"]] == ["2022-01-10", "2022-09-12"]
    assert listed["respondents"].tolist() == [10, 10]
    assert waves.previous_waves(con) == {FIRST: None, SECOND: FIRST}


def test_wave_figures_and_the_wave_to_wave_change_by_hand(two_waves):
    con, _first, _second = two_waves
    table = engine.indicator_table(con, Selection(period_kind='wave', level='station'), indicators=['satisfaction'])
    assert table["period"].tolist() == [FIRST, SECOND]
    assert table["n"].tolist() == [10, 10]  # the row without a wave is in no wave
    assert table["estimate"].tolist() == pytest.approx([0.6, 0.9])
    assert [str(pd.Timestamp(d).date()) for d in table["period_start"]] == \
        ["2022-01-10", "2022-09-12"]
    changed = engine.add_changes(table, previous=waves.previous_waves(con))
    second = changed[changed["period"] == SECOND].iloc[0]
    # Compared with FY22Q1 although eight months lie between: change 0.9 - 0.6 = 0.3. Pooled two-proportion
    # test: p = 15/20 = 0.75, se = sqrt(0.75 * 0.25 * (1/10 + 1/10)) = 0.19365, z = 0.3 / 0.19365 = 1.5492,
    # p-value = erfc(z / sqrt 2) = 0.1213.
    assert second["prev_period"] == FIRST
    assert second["change"] == pytest.approx(0.3)
    z = 0.3 / math.sqrt(0.75 * 0.25 * 0.2)
    assert second["z"] == pytest.approx(z)
    assert second["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert pd.isna(changed[changed["period"] == FIRST].iloc[0]["prev_period"])
    # The district above S01 sums the same respondents.
    district = engine.indicator_table(con, Selection(period_kind='wave', level='district'), indicators=['satisfaction'])
    assert district["n"].tolist() == [10, 10] and district["estimate"].tolist() == pytest.approx([0.6, 0.9])


def test_month_figures_ignore_waves(two_waves):
    con, _first, _second = two_waves
    table = engine.indicator_table(con, Selection(period_kind='month', level='station'), indicators=['satisfaction'])
    # September holds the 10 wave rows and the row without a wave: 10 满意 of 11.
    assert table["period"].tolist() == ["2022-01", "2022-09"]
    assert table["n"].tolist() == [10, 11]
    assert table["estimate"].tolist() == pytest.approx([0.6, 10 / 11])
    # The cells of the months are the sum of their wave cells: the same as cells built without waves.
    con.execute("UPDATE respondents SET wave = NULL")
    engine.refresh_cells(con)
    pd.testing.assert_frame_equal(
        engine.indicator_table(con, Selection(period_kind='month', level='station'), indicators=['satisfaction']), table)
    assert engine.indicator_table(con, Selection(period_kind='wave', level='station')).empty


def test_a_mapping_may_order_waves(reg_db, tmp_path):
    spec = {"options": {"wave_order": [SECOND, FIRST]}}
    ingest_file(reg_db, "survey", _first_wave(tmp_path), constants={"wave": FIRST}, user=LOCAL_USER)
    ingest_file(reg_db, "survey", _second_wave(tmp_path), mapping=spec, user=LOCAL_USER)
    assert waves.wave_labels(reg_db) == [SECOND, FIRST]
    table = engine.indicator_table(reg_db, Selection(period_kind='wave', level='station'), indicators=['satisfaction'])
    assert table["period"].tolist() == [SECOND, FIRST]
    changed = engine.add_changes(table, previous=waves.previous_waves(reg_db))
    assert changed.set_index("period").loc[FIRST, "change"] == pytest.approx(0.6 - 0.9)


def test_a_bad_wave_order_loads_nothing(reg_db, tmp_path):
    before = ov.snapshot(reg_db)
    with pytest.raises(ConfigError, match="once"):
        ingest_file(reg_db, "survey", _second_wave(tmp_path), mapping={"options": {"wave_order": [FIRST, FIRST]}}, user=LOCAL_USER)
    assert ov.snapshot(reg_db) == before


def test_removing_a_batch_removes_its_wave(two_waves):
    con, first, _second = two_waves
    from analytics.ingest import remove_batch
    remove_batch(con, first.batch_id, user=LOCAL_USER)
    assert waves.wave_labels(con) == [SECOND]
    table = engine.indicator_table(con, Selection(period_kind='wave', level='station'), indicators=['satisfaction'])
    assert table["period"].tolist() == [SECOND]


def test_selection_takes_wave_labels():
    sel = Selection(period_kind="wave", periods=(FIRST, SECOND))
    assert sel.periods_with_comparisons() == (FIRST, SECOND) and sel.date_from is None and sel.date_to is None
    with pytest.raises(UnknownNameError):
        Selection(period_kind="wave", periods=(" ",))
    with pytest.raises(UnknownNameError):
        Selection(period_kind="quarter", periods=(FIRST,))


def test_cli_indicators_by_jurisdiction_and_wave(two_waves, tmp_path, capsys):
    con, _first, _second = two_waves
    con.close()
    db = str(tmp_path / "t.duckdb")
    assert main(["indicators", "--by", "jurisdiction,wave", "--indicator", "satisfaction", "--changes", "previous",
                 "--format", "json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["period"], r["n"], round(r["estimate"], 6)) for r in rows] == [(FIRST, 10, 0.6), (SECOND, 10, 0.9)]
    assert rows[1]["prev_period"] == FIRST and rows[1]["change"] == pytest.approx(0.3)
    assert main(["indicators", "--by", "jurisdiction,wave", "--period", SECOND, "--format", "json",
                 "--indicator", "satisfaction", "--db", db]) == 0
    assert [r["period"] for r in json.loads(capsys.readouterr().out)] == [SECOND]
    assert main(["indicators", "--by", "jurisdiction,wave", "--period", "FY99", "--db", db]) == 2
    assert "FY22Q1" in capsys.readouterr().err
    # The same file loaded from the CLI with --set wave=...
    assert main(["batches", "list", "--db", db]) == 0
