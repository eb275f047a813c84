"""The forum summary and "you said, we did" storage on a synthetic city with planted changes and cases.

The city is the shared synthetic city (tests/conftest.py: C > D1 (S1, S2), D2 (S3, S4, tiny S5),
2024-2025) plus:

* station S2's visibility in 2025Q4 is pushed up (every 'no' becomes 'yes'): a real rise;
* station S3's trust in 2025Q4 is pushed down (half of the trusting answers become distrust): a real fall;
* 2025Q4 cases: S1 has 120 closed cases, 100 of them called back (80 satisfied, 20 dissatisfied),
  40 small thefts of which 30 solved, 40 disputes of which 28 mediated; S5 has 6 cases (suppressed).

``build_forum_city`` is imported by tests/unit/test_report.py and tests/app/test_forum_page.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import cases, engine, forum, store
from analytics.auth import User
from analytics.errors import AccessDenied, UnknownNameError
from analytics.periods import period_kind as _period_kind
from analytics.presentation import pct
from analytics.selection import Selection
from analytics.roles import User

PERIOD = "2025Q4"
ACTIONS = [
    {"concern": "夜间巡逻太少", "action": "增加晚间巡逻两班", "status": "done"},
    {"concern": "E-bike thefts <script>alert(1)</script>", "action": "Cameras at the bike sheds & tagging",
     "status": "in_progress"},
]


def _insert_cases(con) -> None:
    rows = []
    start = pd.Timestamp("2025-10-02 09:00")

    def case(code: str, i: int, category: str, *, small: bool = False, outcome: str | None = None,
             mediated: bool | None = None, callback: str | None = None) -> dict:
        reported = start + pd.Timedelta(hours=13 * i)
        return {"batch_id": 2, "case_id": f"{code}-{i}", "jurisdiction_code": code, "category": category,
                "is_small": small, "reported_at": reported, "first_response_at": reported + pd.Timedelta(minutes=30),
                "closed_at": reported + pd.Timedelta(days=2), "status": "closed", "outcome": outcome,
                "mediation_agreed": mediated,
                "callback_at": reported + pd.Timedelta(days=3) if callback else None, "callback_result": callback}

    callbacks = ["satisfied"] * 80 + ["dissatisfied"] * 20 + [None] * 20
    for i in range(120):
        if i < 40:
            rows.append(case("S1", i, "theft", small=True, outcome="solved" if i < 30 else "unsolved",
                             callback=callbacks[i]))
        elif i < 80:
            rows.append(case("S1", i, "dispute", outcome="mediated" if i < 68 else "referred",
                             mediated=i < 68, callback=callbacks[i]))
        else:
            rows.append(case("S1", i, "other", outcome="answered", callback=callbacks[i]))
    for i in range(6):
        rows.append(case("S5", i, "dispute", outcome="mediated", mediated=True, callback="satisfied"))
    case_rows = pd.DataFrame(rows)  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute("INSERT INTO batches (batch_id, kind, source_name, sha256, row_count) "
                "VALUES (2, 'cases', 'cases.csv', 'cases', $n)", {"n": len(rows)})
    con.execute("INSERT INTO case_events (batch_id, case_id, jurisdiction_code, category, is_small, reported_at, "
                "first_response_at, closed_at, status, outcome, mediation_agreed, callback_at, callback_result) "
                "SELECT batch_id, case_id, jurisdiction_code, category, is_small, reported_at, first_response_at, "
                "closed_at, status, outcome, mediation_agreed, callback_at, callback_result FROM case_rows")


def build_forum_city(path: Path, *, actions: bool = True) -> Path:
    """Create the forum test city at ``path`` (closed when returned)."""
    from tests.conftest import build_synthetic_city

    con = store.connect(path)
    build_synthetic_city(con)
    in_q4 = ("SELECT respondent_key FROM respondents WHERE jurisdiction_code = $j "
             "AND interview_date >= DATE '2025-10-01'")
    con.execute("UPDATE answers SET code = '1' WHERE item = 'seen_police' AND code = '0' "
                f"AND respondent_key IN ({in_q4})", {"j": "S2"})
    con.execute("UPDATE answers SET code = '2' WHERE item = 'trust' AND code IN ('4', '5') "
                f"AND respondent_key % 2 = 0 AND respondent_key IN ({in_q4})", {"j": "S3"})
    engine.refresh_cells(con)
    _insert_cases(con)
    if actions:
        forum.save_actions(con, "S1", PERIOD, ACTIONS, user=User('test', "admin"))
    con.close()
    return path


@pytest.fixture(scope="module")
def city_path(tmp_path_factory) -> Path:
    return build_forum_city(tmp_path_factory.mktemp("forum") / "forum.duckdb")


@pytest.fixture(scope="module")
def summary_of(city_path):
    """``summary_of(jurisdiction, lang)``: the forum summary for PERIOD, computed once per module."""
    connection = store.connect(city_path)
    memo: dict[tuple[str, str, str], forum.ForumSummary] = {}

    def get(jurisdiction: str, lang: str, comparison: str = "previous") -> forum.ForumSummary:
        if (jurisdiction, lang, comparison) not in memo:
            sel = Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,), comparison=comparison)
            memo[jurisdiction, lang, comparison] = forum.forum_summary(connection, sel, jurisdiction, lang)
        return memo[jurisdiction, lang, comparison]

    yield get
    connection.close()


@pytest.fixture
def con(city_path):
    connection = store.connect(city_path)
    yield connection
    connection.close()


@pytest.fixture
def small_db(tmp_path):
    """Jurisdictions only: for the "you said, we did" storage tests."""
    connection = store.connect(tmp_path / "small.duckdb")
    connection.execute("""INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES
        ('C', '市', 'City', NULL, 'city'), ('D1', '一区', 'D One', 'C', 'district'),
        ('S1', '甲所', 'Station A', 'D1', 'station'), ('S2', '乙所', 'Station B', 'D1', 'station')""")
    yield connection
    connection.close()


def _row(table: pd.DataFrame, code: str, indicator: str, period: str = PERIOD) -> dict:
    rows = table[(table["jurisdiction"] == code) & (table["indicator"] == indicator) & (table["period"] == period)]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def _same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and not math.isnan(b) and a == b)


# ------------------------------------------------------------------------------------------------ summary


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tiles_equal_the_engine_for_the_same_selection(con, summary_of, lang):
    summary = summary_of("S1", lang)
    table = engine.indicator_table(con, Selection(period_kind='quarter', level='station', jurisdiction_codes=('S1',)))
    # The forum's changes come from the Overview's table for the same selection: every station, this period.
    by_prev = engine.indicator_table(con, Selection(periods=(PERIOD,)), changes=True)
    by_year = engine.indicator_table(con, Selection(periods=(PERIOD,), comparison="year"), changes=True)
    year_tiles = {t.indicator: t for t in summary_of("S1", lang, "year").tiles}
    district = engine.indicator_table(con, Selection(level="district", jurisdiction_codes=("D1",)))
    city = engine.indicator_table(con, Selection(period_kind='quarter', level='city'))
    assert [t.indicator for t in summary.tiles] == ["visibility", "familiarity", "awareness", "satisfaction",
                                                     "safety", "trust"]  # no satisfaction_3 data: no tile
    for tile in summary.tiles:
        row = _row(table, "S1", tile.indicator)
        assert (tile.rate.estimate, tile.rate.ci_low, tile.rate.ci_high, tile.rate.n) == (
            row["estimate"], row["ci_low"], row["ci_high"], row["n"])
        assert tile.rate.text == pct(row["estimate"])
        assert pct(row["ci_low"]) in tile.interval_sentence and pct(row["ci_high"]) in tile.interval_sentence
        assert str(row["n"]) in tile.interval_sentence
        (previous,) = tile.changes
        (year,) = year_tiles[tile.indicator].changes
        assert (previous.lag, previous.period, year.lag, year.period) == ("previous", "2025Q3", "year", "2024Q4")
        assert previous.change == _row(by_prev, "S1", tile.indicator)["change"]
        assert year.change == _row(by_year, "S1", tile.indicator)["change"]
        assert tile.district.estimate == _row(district, "D1", tile.indicator)["estimate"]
        assert tile.city.estimate == _row(city, "C", tile.indicator)["estimate"]
        own = tile.trend[0]
        assert own.place.code == "S1" and [s.place.code for s in tile.trend] == ["S1", "D1", "C"]
        for label, value in zip(summary.trend_periods, own.values, strict=True):
            assert _same(value, _row(table, "S1", tile.indicator, label)["estimate"])
    assert summary.trend_periods == ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4")
    assert summary.indicators_command == ("python -m analytics indicators --by jurisdiction,quarter --level station "
                                          "--period 2025Q4 --changes previous")


@pytest.mark.parametrize(("lang", "up", "down", "same"), [
    ("en", "Up {} points compared with a year earlier (Q4 2024) — a real change.",
     "Down {} points compared with a year earlier (Q4 2024) — a real change.",
     "About the same as a year earlier (Q4 2024); the difference is within sampling error."),
    ("zh", "比去年同期（2024年第4季度）上升{}个百分点——是真实的变化。",
     "比去年同期（2024年第4季度）下降{}个百分点——是真实的变化。",
     "与去年同期（2024年第4季度）基本持平，差别在抽样误差范围内。"),
], ids=["en", "zh"])
def test_change_sentences_respect_significance(con, summary_of, lang, up, down, same):
    (rise,) = summary_of("S2", lang, "year").tile("visibility").changes
    (fall,) = summary_of("S3", lang, "year").tile("trust").changes
    # the Overview's table for the same selection: every station, adjusted together
    table = engine.indicator_table(con, Selection(periods=(PERIOD,), comparison="year"), changes=True)
    assert _row(table, "S2", "visibility")["direction"] == "up"
    assert _row(table, "S3", "trust")["direction"] == "down"
    assert (rise.status, fall.status) == ("up", "down")
    assert rise.sentence == up.format(f"{100 * rise.change:.1f}")
    assert fall.sentence == down.format(f"{100 * abs(fall.change):.1f}")
    (steady,) = summary_of("S1", lang, "year").tile("familiarity").changes
    assert not _row(table, "S1", "familiarity")["significant"]
    assert (steady.status, steady.sentence, steady.short) == ("same", same, "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_suppressed_station_carries_no_number(con, summary_of, lang):
    summary = summary_of("S5", lang)
    table = engine.indicator_table(con, Selection(period_kind='quarter', jurisdiction_codes=('S5',)))
    assert _row(table, "S5", "satisfaction")["flag"] == "suppressed"
    label = "样本过小" if lang == "zh" else "Not reported"  # residents read it: not "suppressed"
    for tile in summary.tiles:
        assert (tile.rate.estimate, tile.rate.ci_low, tile.rate.ci_high, tile.rate.flag) == (None, None, None,
                                                                                            "suppressed")
        assert tile.rate.text == label
        assert "%" not in tile.interval_sentence
        assert all(c.status == "not_reported" and c.change is None for c in tile.changes)
        assert all(v is None for v in tile.trend[0].values)
        assert tile.district.shown and tile.city.shown  # the averages above are still shown
    small = {f.metric: f for f in summary.cases}
    assert small["mediation_rate"].rate.estimate is None and "%" not in small["mediation_rate"].sentence


def test_case_figures_equal_case_metrics(con, summary_of):
    summary = summary_of("S1", "en")
    table = cases.case_metrics(con, Selection(period_kind='quarter', jurisdiction_codes=('S1',)))
    table = table[table["period"] == PERIOD].set_index("metric")
    figures = {f.metric: f for f in summary.cases}
    assert list(figures) == list(forum.CASE_METRICS)
    assert figures["callback_coverage"].rate.estimate == pytest.approx(100 / 120)
    assert figures["callback_satisfaction"].rate.estimate == pytest.approx(80 / 100)
    assert figures["small_solved_rate"].rate.estimate == pytest.approx(30 / 40)
    assert figures["mediation_rate"].rate.estimate == pytest.approx(28 / 40)
    for metric, figure in figures.items():
        assert figure.rate.estimate == table.loc[metric, "value"]
        assert figure.rate.n == table.loc[metric, "n"]
    assert figures["callback_coverage"].sentence == "83.3% of 120 closed cases got a callback."


def test_district_forum_compares_with_the_city_only(con):
    summary = forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,)), 'D2', 'zh')
    assert summary.district is None and summary.city.code == "C"
    tile = summary.tile("trust")
    assert tile.district is None and [s.place.code for s in tile.trend] == ["D2", "C"]
    assert summary.title == "二区向群众报告工作"


@pytest.mark.parametrize(("label", "kind_periods", "changes"), [
    ("2025-12", ["2025-01", "2025-12"], ("2025-11",)),
    ("2025", ["2024", "2025"], ("2024",)),
    ("2025-12R12", ["2025-01R12", "2025-12R12"], ("2024-12R12",)),
])
def test_period_kind_is_inferred_from_the_label(con, label, kind_periods, changes):
    summary = forum.forum_summary(con, Selection(period_kind=_period_kind(label), periods=(label,)), 'S1', 'en')
    assert summary.trend_periods[0] == kind_periods[0] and summary.trend_periods[-1] == kind_periods[1]
    assert tuple(c.period for c in summary.tiles[0].changes) == changes


@pytest.mark.parametrize(("label", "zh", "en"), [
    ("2025Q3", "2025年第3季度", "Q3 2025"), ("2025-03", "2025年3月", "3/2025"), ("2025", "2025年", "2025"),
    ("2025-03R12", "截至2025年3月的12个月", "the 12 months to 3/2025")])
def test_period_names(label, zh, en):
    assert (forum.period_name(label, "zh"), forum.period_name(label, "en")) == (zh, en)


def test_unknown_inputs_raise_user_errors(con):
    with pytest.raises(UnknownNameError, match="No jurisdiction"):
        forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,)), 'S9', 'en')
    with pytest.raises(UnknownNameError, match="not a period label"):
        forum.forum_summary(con, Selection(period_kind='quarter', periods=('2025 Q4',)), 'S1', 'en')
    with pytest.raises(UnknownNameError) as info:
        forum.forum_summary(con, Selection(period_kind='quarter', periods=('2027Q1',)), 'S1', 'en')
    assert info.value.message_key == "forum.error.no_data"


def test_station_user_sees_its_own_forum_and_not_a_sibling(con):
    own = User("s1", "station", "S1")
    summary = forum.forum_summary(con, Selection(periods=(PERIOD,), user=own), "S1", "en")
    assert summary.tile("trust").city.shown and "--user s1" in summary.indicators_command
    with pytest.raises(AccessDenied):
        forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,), user=own), 'S2', 'en')
    assert forum.can_edit(con, own, "S1") and not forum.can_edit(con, own, "D1")
    assert not forum.can_edit(con, User("boss", "leader"), "S1")


# ------------------------------------------------------------------------------------------------ actions


def test_save_actions_inserts_updates_deletes_in_order_with_audit(small_db):
    version = store.data_version(small_db)
    first = forum.save_actions(small_db, "S1", PERIOD, [*ACTIONS, {"concern": "", "action": "", "status": None}],
                               user=User('alice', "admin"))
    assert (first.inserted, first.updated, first.deleted) == (2, 0, 0)
    rows = forum.list_actions(small_db, "S1", PERIOD, "en")
    assert [(r.concern, r.status, r.status_label, r.updated_by) for r in rows] == [
        ("夜间巡逻太少", "done", "Done", "alice"),
        ("E-bike thefts <script>alert(1)</script>", "in_progress", "In progress", "alice")]
    assert store.data_version(small_db) == version + 1
    # the page's editor frame: ids come back as floats or NA; reorder, edit one, drop one, add one
    frame = forum.actions_frame(small_db, "S1", PERIOD)
    edited = [
        {"action_id": float(frame.loc[1, "action_id"]), "concern": frame.loc[1, "concern"], "action": "Done now",
         "status": "done"},
        {"action_id": np.nan, "concern": "  Noise at night  ", "action": None, "status": None},
    ]
    second = forum.save_actions(small_db, "S1", PERIOD, edited, user=User("bob", "analyst"))
    assert (second.inserted, second.updated, second.deleted) == (1, 1, 1)
    rows = forum.list_actions(small_db, "S1", PERIOD, "zh")
    assert [(r.concern, r.action, r.status, r.updated_by) for r in rows] == [
        ("E-bike thefts <script>alert(1)</script>", "Done now", "done", "bob"),
        ("Noise at night", "", "planned", "bob")]
    log = small_db.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'forum.actions.save' "
                           "ORDER BY audit_id").fetchall()
    assert [(a, x) for a, x, _d in log] == [("alice", "forum.actions.save"), ("bob", "forum.actions.save")]
    detail = json.loads(log[1][2])
    assert detail["deleted"][0]["concern"] == "夜间巡逻太少" and detail["inserted"] == 1
    # saving the same rows again changes nothing and does not bump the version
    version = store.data_version(small_db)
    again = forum.save_actions(small_db, "S1", PERIOD, forum.actions_frame(small_db, "S1", PERIOD).to_dict("records"),
                               user=User('bob', "admin"))
    assert not again.changed and store.data_version(small_db) == version
    assert forum.list_actions(small_db, "S2", PERIOD) == [] and forum.list_actions(small_db, "S1", "2025Q3") == []


@pytest.mark.parametrize(("rows", "key"), [
    ([{"concern": "", "action": "something", "status": "done"}], "forum.error.empty_concern"),
    ([{"concern": "x" * (forum.MAX_CONCERN_CHARS + 1), "action": "", "status": "done"}], "forum.error.too_long"),
    ([{"concern": "x", "action": "", "status": "finished"}], "forum.error.status"),
    ([{"action_id": 999, "concern": "x", "action": "", "status": "done"}], "forum.error.foreign_row"),
    ([{"action_id": 1.5, "concern": "x", "action": "", "status": "done"}], "forum.error.invalid"),
    ([{"concern": f"c{i}", "action": "", "status": "done"} for i in range(forum.MAX_ACTION_ROWS + 1)],
     "forum.error.too_many"),
])
def test_invalid_rows_are_rejected_and_nothing_is_written(small_db, rows, key):
    forum.save_actions(small_db, "S1", PERIOD, ACTIONS[:1], user=User('a', "admin"))
    before = forum.list_actions(small_db, "S1", PERIOD)
    with pytest.raises(forum.ForumInputError) as info:
        forum.save_actions(small_db, "S1", PERIOD, rows, user=User('a', "admin"))
    assert info.value.message_key == key
    assert forum.list_actions(small_db, "S1", PERIOD) == before


def test_rows_of_another_jurisdiction_cannot_be_edited_or_saved_without_the_right(small_db):
    forum.save_actions(small_db, "S2", PERIOD, ACTIONS[:1], user=User('a', "admin"))
    other = forum.list_actions(small_db, "S2", PERIOD)[0]
    with pytest.raises(forum.ForumInputError):
        forum.save_actions(small_db, "S1", PERIOD, [{"action_id": other.action_id, "concern": "mine now",
                                                     "action": "", "status": "done"}], user=User('a', "admin"))
    with pytest.raises(AccessDenied):
        forum.save_actions(small_db, "S2", PERIOD, [], user=User("s1", "station", "S1"))
    with pytest.raises(AccessDenied):
        forum.save_actions(small_db, "S1", PERIOD, [], user=User("boss", "leader"))
    with pytest.raises(UnknownNameError):
        forum.save_actions(small_db, "S9", PERIOD, ACTIONS, user=User('a', "admin"))
    assert forum.list_actions(small_db, "S2", PERIOD)[0].concern == ACTIONS[0]["concern"]
