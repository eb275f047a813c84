"""Items and indicators defined by hand (issue 13 item 6): ``python -m analytics definitions`` and
:mod:`analytics.define`. A defined indicator's figures are checked against a hand computation on the tiny
fixture city (tests/data/fixture_survey.sql); bad definitions are refused with nothing saved; the engine
checks the permission itself and audits every change."""

from __future__ import annotations

import json
import math

import pytest

from analytics import define, definitions, store
from analytics.auth import User
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied, DefinitionError

# S1 in 2025Q1 answered satisfaction 5 (weight 1), 4 (weight 2), 3 (weight 1) and don't know (9, weight 1).
S1_CODES = [5.0, 4.0, 3.0]
S1_WEIGHTS = [1.0, 2.0, 1.0]
Z = 1.959963984540054
T2 = 4.302652729911275  # t quantile 0.975 with 2 degrees of freedom (n - 1)


@pytest.fixture
def fx_path(tmp_path, fixture_db):
    """The fixture city as a closed file the CLI can open."""
    fixture_db.close()
    return tmp_path / "fixture.duckdb"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def indicator_rows(capsys, db, *extra: str) -> dict[tuple[str, str], dict]:
    code, out, err = cli(capsys, "indicators", "--db", str(db), "--by", "jurisdiction,quarter", "--format", "json",
                         *extra)
    assert code == 0, err
    return {(r["indicator"], r["jurisdiction"]): r for r in json.loads(out)}


def test_defined_indicators_appear_in_the_indicators_command_with_hand_computed_figures(capsys, fx_path):
    db = str(fx_path)
    assert cli(capsys, "definitions", "indicators", "add", "very_satisfied", "--item", "satisfaction", "--top", "5",
               "--label-en", "Very satisfied", "--db", db)[0] == 0
    assert cli(capsys, "definitions", "indicators", "add", "sat_mean", "--item", "satisfaction", "--kind", "mean",
               "--db", db)[0] == 0
    rows = indicator_rows(capsys, fx_path, "--indicator", "very_satisfied", "sat_mean")
    assert {k[1] for k in rows} == {"S1"}  # only S1 answered satisfaction

    rate = rows[("very_satisfied", "S1")]
    p, n = 1 / 3, 3  # one 5 among three substantive answers; the don't-know is counted apart
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    assert (rate["kind"], rate["n"], rate["n_dk"], rate["period"]) == ("rate", 3, 1, "2025Q1")
    assert rate["estimate"] == pytest.approx(p)
    assert rate["se"] == pytest.approx(math.sqrt(p * (1 - p) / n))
    assert (rate["ci_low"], rate["ci_high"]) == pytest.approx((centre - half, centre + half))

    mean = rows[("sat_mean", "S1")]
    sd = math.sqrt(sum((y - 4.0) ** 2 for y in S1_CODES) / (n - 1))  # = 1
    assert (mean["kind"], mean["unit"], mean["scale_min"], mean["scale_max"]) == ("mean", "/ 5", 1.0, 5.0)
    assert mean["estimate"] == pytest.approx(4.0)
    assert mean["se"] == pytest.approx(sd / math.sqrt(n))
    assert mean["ci_low"] == pytest.approx(4.0 - T2 * sd / math.sqrt(n))
    assert mean["ci_high"] == pytest.approx(5.0)  # 4 + 2.48 is cut at the top of the scale

    weighted = indicator_rows(capsys, fx_path, "--indicator", "very_satisfied", "--weighted")
    top = sum(w for y, w in zip(S1_CODES, S1_WEIGHTS, strict=True) if y == 5.0)
    assert weighted[("very_satisfied", "S1")]["estimate"] == pytest.approx(top / sum(S1_WEIGHTS))  # 0.25


def test_a_defined_item_and_its_indicator_are_listed(capsys, fx_path):
    db = str(fx_path)
    code, out, err = cli(capsys, "definitions", "items", "add", "trust_0_10", "--scale", "scale0_10", "--label-zh",
                         "信任（0–10）", "--label-en", "Trust (0-10)", "--code", "10=完全信任|Complete trust", "--db", db)
    assert code == 0, err
    assert "don't know 88" in out  # 9 is an answer on 0-10, so the default don't-know code is 88
    assert cli(capsys, "definitions", "indicators", "add", "trust_mean", "--item", "trust_0_10", "--kind", "mean",
               "--db", db)[0] == 0
    items = {r["item"]: r for r in json.loads(cli(capsys, "definitions", "items", "list", "--format", "json",
                                                  "--db", db)[1])}
    assert items["trust_0_10"]["scale"] == "scale0_10" and "10=完全信任|Complete trust" in items["trust_0_10"]["codes"]
    inds = {r["key"]: r for r in json.loads(cli(capsys, "definitions", "indicators", "list", "--format", "json",
                                                 "--db", db)[1])}
    assert (inds["trust_mean"]["kind"], inds["trust_mean"]["unit"], inds["trust_mean"]["dk_codes"]) == \
        ("mean", "/ 10", "88")


def snapshot(db) -> tuple:
    con = store.connect(db, read_only=True)
    try:
        return (con.execute("SELECT * FROM items ORDER BY item").fetchall(),
                con.execute("SELECT * FROM indicators ORDER BY key").fetchall(),
                con.execute("SELECT count(*) FROM audit_log").fetchall(),
                con.execute("SELECT count(*), sum(n) FROM indicator_cells").fetchall(),
                store.data_version(con))
    finally:
        con.close()


BAD = {
    "unknown item": (["indicators", "add", "x", "--item", "no_such_item", "--top", "1"], "No item named 'no_such_item'"),
    "code outside the scale (indicator)": (["indicators", "add", "x", "--item", "satisfaction", "--top", "6"],
                                           "scores codes 6, which item 'satisfaction' does not have"),
    "rate score outside [0, 1]": (["indicators", "add", "x", "--item", "satisfaction", "--score", "5=2",
                                   "--score", "4=0"], "scores must be in [0, 1]"),
    "mean score outside the scale": (["indicators", "add", "x", "--item", "satisfaction", "--kind", "mean",
                                      "--score", "5=7"], "scores must be in [1, 5]"),
    "mean on a non-numeric scale": (["indicators", "add", "x", "--item", "sex", "--kind", "mean"],
                                    "has scale 'open', which has no numeric values"),
    "code outside the scale (item)": (["items", "add", "q", "--scale", "likert5", "--code", "6=六"],
                                      "codes 6 are outside the scale likert5"),
    "don't-know code on the scale": (["items", "add", "q", "--scale", "scale0_10", "--dk", "9"],
                                     "don't-know code 9 is an answer on the scale"),
    "categorical without codes": (["items", "add", "q", "--scale", "categorical"], "needs its answer codes listed"),
    "loaded answers no longer valid": (["items", "add", "satisfaction", "--scale", "likert4"],
                                       "loaded answers have codes this definition does not allow: 5 (1)"),
    "an indicator no longer valid": (["items", "add", "knows_officer", "--scale", "likert5"],
                                     "scores codes 0, which item 'knows_officer' does not have"),
    "bad key": (["indicators", "add", "Bad-Key", "--item", "satisfaction", "--top", "5"], "must be lower-case"),
    "remove a built-in indicator": (["indicators", "remove", "satisfaction"], "is built in"),
    "remove a built-in item": (["items", "remove", "income"], "is built in"),
    "remove an unknown item": (["items", "remove", "no_such_item"], "No item named 'no_such_item'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_definitions_are_clear_errors_and_save_nothing(capsys, fx_path, case):
    argv, message = BAD[case]
    before = snapshot(fx_path)
    code, out, err = cli(capsys, "definitions", *argv, "--db", str(fx_path))
    assert code == 2 and out == ""
    assert message in err
    assert snapshot(fx_path) == before


def test_removal_is_refused_while_something_uses_the_definition(fixture_db):
    admin = User("ana", "analyst")
    item = define.make_item("q_extra", "附加题", "Extra question", "likert5")
    define.define_item(fixture_db, item, user=admin)
    define.define_indicator(fixture_db, define.rate_indicator("q_top", item, ["5"]), user=admin)
    with pytest.raises(DefinitionError, match="read by indicators q_top"):
        define.remove_item(fixture_db, "q_extra", user=admin)
    fixture_db.execute("INSERT INTO assessment_targets (source, component, scope, effective_from, target, direction, "
                       "updated_by) VALUES ('indicator', 'q_top', '*', DATE '2000-01-01', 0.5, 'higher', 't')")
    with pytest.raises(DefinitionError, match=r"used by: assessment target \(1\)"):
        define.remove_indicator(fixture_db, "q_top", user=admin)
    fixture_db.execute("DELETE FROM assessment_targets")
    fixture_db.execute("INSERT INTO answers (respondent_key, batch_id, item, code) VALUES (1, 1, 'q_extra', '4')")
    define.remove_indicator(fixture_db, "q_top", user=admin)
    assert fixture_db.execute("SELECT count(*) FROM indicator_cells WHERE indicator = 'q_top'").fetchall() == [(0,)]
    with pytest.raises(DefinitionError, match="has 1 loaded answers"):
        define.remove_item(fixture_db, "q_extra", user=admin)


@pytest.mark.parametrize("role", ["leader", "station"])
def test_the_engine_refuses_users_without_the_definitions_permission(fixture_db, role):
    user = User("someone", role, "S1" if role == "station" else None)
    item = define.make_item("q_extra", "附加题", "Extra question", "likert5")
    ind = define.rate_indicator("very_satisfied", definitions.get_item(fixture_db, "satisfaction"), ["5"])
    before = (fixture_db.execute("SELECT count(*) FROM items").fetchall(),
              fixture_db.execute("SELECT count(*) FROM indicators").fetchall(),
              fixture_db.execute("SELECT count(*) FROM audit_log").fetchall())
    for attempt in (lambda: define.define_item(fixture_db, item, user=user),
                    lambda: define.define_indicator(fixture_db, ind, user=user),
                    lambda: define.remove_item(fixture_db, "income", user=user),
                    lambda: define.remove_indicator(fixture_db, "satisfaction", user=user)):
        with pytest.raises(AccessDenied):
            attempt()
    after = (fixture_db.execute("SELECT count(*) FROM items").fetchall(),
             fixture_db.execute("SELECT count(*) FROM indicators").fetchall(),
             fixture_db.execute("SELECT count(*) FROM audit_log").fetchall())
    assert after == before


def test_every_change_is_audited_with_the_definition_before_and_after(fixture_db):
    ana = User("ana", "analyst")
    item = define.make_item("q_extra", "附加题", "Extra question", "likert5")
    define.define_item(fixture_db, item, user=ana)
    define.define_item(fixture_db, define.make_item("q_extra", "附加题", "Extra question (v2)", "likert5"), user=ana)
    define.define_indicator(fixture_db, define.rate_indicator("q_top", item, ["5"]), user=ana)
    define.define_indicator(fixture_db, define.rate_indicator("q_top", item, ["4", "5"]), user=ana)
    define.remove_indicator(fixture_db, "q_top", user=ana)
    define.remove_item(fixture_db, "q_extra", user=ana)
    rows = fixture_db.execute("SELECT actor, action, detail FROM audit_log WHERE action LIKE 'definition.%' "
                              "ORDER BY audit_id").fetchall()
    assert [(a, x) for a, x, _d in rows] == [("ana", "definition.item_save")] * 2 + \
        [("ana", "definition.indicator_save")] * 2 + [("ana", "definition.indicator_remove"),
                                                      ("ana", "definition.item_remove")]
    details = [json.loads(d) for _a, _x, d in rows]
    assert details[0]["before"] is None and details[0]["after"]["label_en"] == "Extra question"
    assert (details[1]["before"]["label_en"], details[1]["after"]["label_en"]) == ("Extra question",
                                                                                   "Extra question (v2)")
    assert details[2]["after"]["scoring"] == {"5": 1.0, "4": 0.0, "3": 0.0, "2": 0.0, "1": 0.0}
    # without a description given, the formula in words
    assert details[2]["after"]["description_en"] == "Share answering '5' to 'Extra question' (don't know excluded)."
    assert details[2]["after"]["description_zh"] == "“附加题”回答“5”的占比（“说不清”不计入分母）。"
    assert details[3]["before"]["scoring"]["4"] == 0.0 and details[3]["after"]["scoring"]["4"] == 1.0
    assert details[4]["after"] is None and details[4]["before"]["key"] == "q_top"
    assert details[5]["after"] is None and details[5]["before"]["item"] == "q_extra"


def documented_commands() -> list[list[str]]:
    """Every ``python -m analytics definitions`` line of docs/ingest.md (continuations joined), as arguments."""
    import shlex
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    text = text.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("python -m analytics definitions"):
            line = line.replace(" [--format csv|json]", "")
            commands.append(shlex.split(line)[3:])
    return commands


def test_docs_list_every_scale_and_their_definition_commands_run(capsys, fx_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    section = text[text.index("## Answer scales and indicator kinds"):]
    assert all(f"| `{name}` |" in section for name in definitions.SCALES)
    commands = documented_commands()
    kinds = {(c[1], c[2], "--kind" in c and c[c.index("--kind") + 1]) for c in commands}
    assert {("items", "add", False), ("indicators", "add", False), ("indicators", "add", "mean"),
            ("items", "remove", False), ("indicators", "remove", False)} <= kinds
    for argv in commands:  # in the order shown: add, list, then remove
        code, _out, err = cli(capsys, *argv, "--db", str(fx_path))
        assert code == 0, (argv, err)
