"""Issue 15 with assessment targets (issue 16): on the crafted city (tests/data/leaders_city.py) with a visibility
target, the Overview colours that column by the target status, says which rule each column uses, lists the
missed target under "Needs attention" and in the alerts section; the Map colours by the same rule."""

from __future__ import annotations

import json

import pytest

from analytics import assessment, store
from analytics.auth import User
from tests.app.helpers import heatmap, save_squares
from tests.data import leaders_city

# Wilson 95% intervals of 2025Q2 visibility by hand (tests/data/test_scorecard.py): S1 .90 (.8506, .9343),
# S2 .65 (.5816, .7127), S3 .30 (.2408, .3668); S4 suppressed (10 answers). Targets: 70% for every station,
# 95% for S1 -> S1 missed (.9343 < .95), S2 likely missed (.65 < .70 <= .7127), S3 missed, S4 not assessable.


@pytest.fixture
def synthetic_db_path(tmp_path):
    path = tmp_path / "targets.duckdb"
    con = store.connect(path)
    leaders_city.build(con)
    for value, scope in ((0.70, "*"), (0.95, "S1")):
        assessment.set_target(con, "indicator", "visibility", value, user=User("analyst", "analyst"), scope=scope)
    con.close()
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_target_column_is_coloured_by_the_target_status(app, lang):
    at = app(lang)
    grid = heatmap(at)
    label = "见警率" if lang == "zh" else "Visibility"
    names = {"S1": ("甲派出所", "Station A"), "S2": ("乙派出所", "Station B"), "S3": ("丙派出所", "Station C"),
             "S4": ("丁派出所", "Station D")}
    name = {code: pair[lang == "en"] for code, pair in names.items()}
    assert grid.cell(name["S1"], label) == "✘ 90.0%"  # above the average, yet its own 95% target is missed
    assert grid.cell(name["S2"], label) == "✘? 65.0%"
    assert grid.cell(name["S3"], label) == "✘ 30.0%"
    assert grid.cell(name["S4"], label).startswith("▨") and "6" not in grid.cell(name["S4"], label)
    assert [grid.cell(name[c], label, "fill") for c in ("S1", "S2", "S3", "S4")] == [
        "#f4a6a0", "#fde0dd", "#f4a6a0", "#d9d9d9"]  # missed, likely missed, missed, not assessable
    # The hover says the status and the target it is judged against.
    assert grid.cell(name["S1"], label, "hover").split("<br>")[-1] == (
        "未达目标（≥ 95.0%）" if lang == "zh" else "target missed (≥ 95.0%)")


def test_caption_says_which_rule_each_column_uses(app):
    at = app("en")
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Columns coloured by the assessment target: Visibility (target ≥ 70.0%; Station A: ≥ 95.0%)" in captions
    assert "✔ met" in captions and "✘? likely missed" in captions
    assert "Columns coloured by the level average:" not in captions  # the crafted city has one indicator
    zh = " ".join(c.value for c in app("zh").caption).replace("\\", "")
    assert "按考核目标着色的列：见警率（目标 ≥ 70.0%；甲派出所：≥ 95.0%）" in zh


def test_needs_attention_lists_the_missed_targets_with_their_gap(app):
    at = app("en")
    lines = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith(("▼", "↘"))]
    # S3: missed by 40.0 and below the average by 31.6 -> first; S2: the fall of 25.0; S1: missed by 5.0.
    assert len(lines) == 3
    assert lines[0].startswith("▼ Station C · Visibility: 30.0%, missed its target of ≥ 70.0% (by 40.0")
    assert "below the level average of 61.6% (by 31.6)" in lines[0]
    assert lines[1].startswith("↘ Station B") and "down 25.0 since 2025Q1" in lines[1]
    assert lines[2].startswith("▼ Station A · Visibility: 90.0%, missed its target of ≥ 95.0% (by 5.0")


def test_alerts_section_has_the_target_missed_sentences(app):
    at = app("en")
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Target missed** · Station C: Visibility is 30.0% (95% interval 24.1–36.7%), short of its target" in text


def test_map_uses_the_same_rule(app, synthetic_db_path):
    save_squares(synthetic_db_path, ["S1", "S2", "S3", "S4"])
    at = app("en")
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    by_name = {t.get("name"): t for t in traces if t.get("fill") == "toself"}
    assert set(by_name) == {"✘ target missed", "✘? target likely missed",
                            "▨ target not assessable (suppressed or no data)"}
    assert by_name["✘ target missed"]["x"].count(None) == 1  # S1 and S3: two shapes
    assert by_name["▨ target not assessable (suppressed or no data)"]["fillpattern"]["shape"] == "/"
    assert traces[-1]["text"][:4] == ["✘ Station A", "✘? Station B", "✘ Station C", "▨ Station D"]
    # The hover's lines are broken by markup, not shown as an escaped "&lt;br&gt;".
    assert traces[-1]["hovertext"][0].startswith("Station A<br>90.0%") and "&lt;" not in traces[-1]["hovertext"][0]
    assert traces[-1]["hovertext"][3].split("<br>")[:2] == ["Station D", "suppressed (small base)"]
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Visibility has an assessment target (≥ 70.0%; Station A: ≥ 95.0%)" in captions
    # The indicator picker follows a language switch (its key carries the language, common.picker).
    at.session_state["lang"] = "zh"
    at.run()
    picker = at.selectbox(key="map_indicator_zh")
    assert picker.label == "指标" and picker.format_func(picker.value) == "见警率"


def test_a_column_with_targets_for_some_jurisdictions_names_them(app, synthetic_db_path):
    con = store.connect(synthetic_db_path)
    assessment.remove_target(con, "indicator", "visibility", user=User("analyst", "analyst"), scope="*")
    con.close()
    # Only S1's 95% target is left: S1 missed, the others back on the level average (S2 within, S3 below).
    at = app("en")
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert ("Visibility (target Station A: ≥ 95.0%; the other jurisdictions by the level average)" in captions)
    grid = heatmap(at)
    assert grid.cell("Station A", "Visibility") == "✘ 90.0%"
    assert grid.cell("Station B", "Visibility") == "● 65.0%"
    assert grid.cell("Station C", "Visibility") == "▼ 30.0%"
