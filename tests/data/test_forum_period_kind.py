""""You said, we did" rows are kept per jurisdiction, period label AND period kind.

A survey wave's label is free text, so a wave can be called what a calendar period is called: the wave
'2021Q4' (tests/data/forum_waves_city.py, fieldwork 2021-12-20) and the quarter 2021Q4 (October–December) are
two different forums. Before the period kind was part of the key, the rows of one showed on the other, and
saving the wave's rows deleted the quarter's (the save replaces the rows it reads).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from analytics import cli, forum, store
from analytics.errors import UnknownNameError
from analytics.roles import LOCAL_USER
from analytics.selection import Selection
from tests.data.forum_waves_city import CALENDAR_NAMED_WAVE, add_calendar_named_wave, build_wave_city, copy_of
from tests.data.old_schema import apply_migrations_before

QUARTER_ROW = {"concern": "季度：停车难", "action": "季度：新增车位", "status": "done"}
WAVE_ROW = {"concern": "调查轮次：夜间巡逻少", "action": "调查轮次：增加晚班", "status": "in_progress"}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forum_period_kind")
    mp = pytest.MonkeyPatch()
    mp.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    try:
        return add_calendar_named_wave(build_wave_city(folder / "waves.duckdb"))
    finally:
        mp.undo()


@pytest.fixture
def con(city, tmp_path):
    connection = store.connect(copy_of(city, tmp_path))
    yield connection
    connection.close()


def concerns(con, kind: str) -> list[str]:
    sel = Selection(period_kind=kind, periods=(CALENDAR_NAMED_WAVE,))
    return [a.concern for a in forum.forum_summary(con, sel, "S01", "en").actions]


def test_a_wave_and_a_quarter_with_the_same_label_keep_their_own_rows(con):
    assert forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [QUARTER_ROW], user=LOCAL_USER).inserted == 1
    saved = forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [WAVE_ROW], user=LOCAL_USER, period_kind="wave")
    # the wave had no row: one added, the quarter's row not touched
    assert (saved.inserted, saved.updated, saved.deleted) == (1, 0, 0)
    assert concerns(con, "quarter") == [QUARTER_ROW["concern"]]
    assert concerns(con, "wave") == [WAVE_ROW["concern"]]
    assert [r.concern for r in forum.list_actions(con, "S01", CALENDAR_NAMED_WAVE)] == [QUARTER_ROW["concern"]]
    assert [r.concern for r in forum.list_actions(con, "S01", CALENDAR_NAMED_WAVE, period_kind="wave")] == [
        WAVE_ROW["concern"]]
    # emptying the wave's rows leaves the quarter's
    assert forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [], user=LOCAL_USER, period_kind="wave").deleted == 1
    assert concerns(con, "quarter") == [QUARTER_ROW["concern"]] and concerns(con, "wave") == []
    # the audit entry says which of the two it was
    entry = con.execute("SELECT detail->>'period_kind' FROM audit_log WHERE action = 'forum.actions.save' "
                        "ORDER BY audit_id DESC LIMIT 1").fetchone()[0]
    assert entry == "wave"


def test_a_row_of_the_other_kind_cannot_be_edited_through_this_one(con):
    forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [QUARTER_ROW], user=LOCAL_USER)
    quarter_id = forum.list_actions(con, "S01", CALENDAR_NAMED_WAVE)[0].action_id
    with pytest.raises(forum.ForumInputError) as info:
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [{**WAVE_ROW, "action_id": quarter_id}],
                           user=LOCAL_USER, period_kind="wave")
    assert info.value.message_key == "forum.error.foreign_row"
    assert concerns(con, "quarter") == [QUARTER_ROW["concern"]]


def test_a_calendar_kind_must_match_its_label(con):
    with pytest.raises(UnknownNameError) as info:
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [QUARTER_ROW], user=LOCAL_USER, period_kind="month")
    assert info.value.message_key == "forum.error.period_kind"
    with pytest.raises(UnknownNameError):
        forum.list_actions(con, "S01", "2021年第二轮")  # a wave label read as a calendar period


def test_the_report_command_prints_each_forum_with_its_own_rows(city, tmp_path):
    db = copy_of(city, tmp_path)
    con = store.connect(db)
    try:
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [QUARTER_ROW], user=LOCAL_USER)
        forum.save_actions(con, "S01", CALENDAR_NAMED_WAVE, [WAVE_ROW], user=LOCAL_USER, period_kind="wave")
    finally:
        con.close()
    for by, mine, other in (("quarter", QUARTER_ROW, WAVE_ROW), ("wave", WAVE_ROW, QUARTER_ROW)):
        out = tmp_path / f"{by}.html"
        assert cli.main(["report", "--jurisdiction", "S01", "--by", by, "--period", CALENDAR_NAMED_WAVE, "--lang",
                         "en", "--format", "html", "--out", str(out), "--db", str(db)]) == 0
        html = out.read_text(encoding="utf-8")
        assert mine["concern"] in html and other["concern"] not in html, by


# ------------------------------------------------------------------------------------- the migration


def _migration_version() -> int:
    (name,) = [name for name, _text in store.migration_texts() if name.endswith("_forum_period_kind.sql")]
    return int(re.match(r"\d+", name).group())


def test_the_migration_gives_existing_rows_the_kind_their_label_parses_as(tmp_path):
    """A database at the schema before the migration, with rows saved then, is migrated like a user's file."""
    version = _migration_version()
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        apply_migrations_before(con, version)
        labels = {"2026-03": "month", "2026Q3": "quarter", "2026": "year", "2026-03R12": "rolling12",
                  "2021年第二轮": "wave", "FY22Q1": "wave", "2026-13": "wave", "0000": "wave"}
        for label in labels:
            con.execute("INSERT INTO forum_actions (jurisdiction_code, period, concern, updated_by, topics) "
                        "VALUES ('S01', $p, $c, 'old', ['parking'])", {"p": label, "c": f"concern {label}"})
        rows = "SELECT action_id, period, concern, topics FROM forum_actions ORDER BY action_id"
        before = con.execute(rows).fetchall()
        assert version in store.migrate(con)
        after = con.execute(rows).fetchall()
        assert after == before  # ids, text and topics kept
        kinds = dict(con.execute("SELECT period, period_kind FROM forum_actions").fetchall())
        assert kinds == labels
        # new rows take the next id and must say their kind
        con.execute("INSERT INTO forum_actions (jurisdiction_code, period, period_kind, concern, updated_by) "
                    "VALUES ('S01', '2026Q3', 'wave', 'new', 'me')")
        assert con.execute("SELECT max(action_id) FROM forum_actions").fetchone()[0] == len(labels) + 1
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO forum_actions (jurisdiction_code, period, concern, updated_by) "
                        "VALUES ('S01', '2026Q3', 'no kind', 'me')")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO forum_actions (jurisdiction_code, period, period_kind, concern, updated_by) "
                        "VALUES ('S01', '2026Q3', 'fortnight', 'bad kind', 'me')")
    finally:
        con.close()
