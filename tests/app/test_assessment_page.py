"""The Assessment page: ranking with intervals, formula, statuses, officers, audited workbook and edits."""

from __future__ import annotations

import json

import pytest

from analytics import assessment, store
from tests.app.helpers import open_page, rendered, signed_in
from tests.conftest import copy_db
from tests.data.test_scope_cli import build_scope_city


@pytest.fixture
def synthetic_db_path(tmp_path, built_db):
    return copy_db(built_db("scope", build_scope_city), tmp_path / "scope.duckdb")


def open_as(app, db, username: str, lang: str = "en"):
    return open_page(signed_in(app, db, username, lang), "assessment")


def test_leader_sees_the_ranking_formula_and_officers(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "boss")
    text = rendered(at)
    assert "Scheme 'standard'" in text and "weight 25 (25.0%) × Satisfaction" in text
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Rank (interval)", "Jurisdiction", "Score (95% interval)"]
    assert {"Station A", "Station B", "Station C", "Station D"} <= set(table["Jurisdiction"])
    assert table["Rank (interval)"].str.match(r"^\d+ \(\d+–\d+\)$").sum() >= 4
    assert "S2-J1" in text  # a leader sees every station's officers
    assert any(b.label.startswith("Download the assessment workbook") for b in at.get("download_button"))
    assert "Only analysts and admins can change this." in text


def test_zh_page_and_station_user(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "s1chief", lang="zh")
    text = rendered(at)
    assert "考核" in text and "甲派出所" in text and "S1-J1" in text
    assert "S2-J1" not in text and "乙派出所" not in text


def test_analyst_sets_a_target_and_saves_a_scheme_audited(app, synthetic_db_path):
    at = open_as(app, synthetic_db_path, "ana")
    at.number_input(key="as_target_value").set_value(0.5)
    at.selectbox(key="as_target_component").set_value("indicator:satisfaction")
    form_button = next(b for b in at.get("form_submit_button") if b.label == "Save target")
    form_button.click().run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path)
    targets = assessment.list_targets(con)
    assert list(targets["component"]) == ["satisfaction"] and targets["updated_by"].iloc[0] == "ana"
    con.close()
    status = rendered(at)
    assert "Target saved" in status and ("met" in status)
    at.text_input(key="as_scheme_name").set_value("satisfaction first").run()
    at.button(key="as_scheme_save").click().run()
    assert not at.exception, at.exception
    con = store.connect(synthetic_db_path)
    assert "satisfaction first" in [s.name for s in assessment.list_schemes(con)]
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'assessment.scheme_save' "
                       "AND actor = 'ana'").fetchall()[0][0] == 1
    con.close()


def _exclude_s1(db, how_many: int = 25) -> None:
    """Set aside ``how_many`` of S1's 2025Q4 respondents, as an analyst's exclusion would."""
    from analytics.db import execute

    con = store.connect(db)
    keys = [r[0] for r in con.execute(
        "SELECT respondent_key FROM respondents WHERE jurisdiction_code = 'S1' AND interview_date "
        "BETWEEN '2025-10-01' AND '2025-12-31' ORDER BY respondent_key LIMIT $n", {"n": how_many}).fetchall()]
    execute(con, "integrity/exclude", {"keys": keys, "reasons": ["burst"] * len(keys), "period": "2025Q4",
                                       "actor": "ana"})
    con.close()


def _sensitivity_table(at):
    return next(d.value for d in at.dataframe if "Score (without excluded)" in d.value.columns
                or "得分（排除后）" in d.value.columns)


def test_sensitivity_section_states_the_exclusions_and_sends_analysts_to_the_integrity_page(app, synthetic_db_path):
    _exclude_s1(synthetic_db_path)
    at = open_as(app, synthetic_db_path, "ana", lang="en")
    text = rendered(at)
    assert "Sensitivity: the assessment ranking without doubtful answers" in text
    assert "25 respondents are excluded now after integrity alerts, at: Station A (25)." in text
    table = _sensitivity_table(at).set_index("Jurisdiction")
    assert table.loc["Station A", "Excluded"] == 25 and table.loc["Station B", "Excluded"] == 0
    ranked = table.loc[["Station A", "Station B", "Station C", "Station D"]]
    assert ranked["Rank (without excluded)"].str.match(r"^\d+ \(\d+–\d+\)$").all()
    assert table.loc["Station E", "Score (without excluded)"] == "not assessable"  # too few answers either way
    assert set(ranked["Beyond the rank interval"]) <= {"yes", "no"}
    assert [link.proto.page for link in at.get("page_link")] and any(
        "Integrity page" in link.proto.label for link in at.get("page_link"))
    assert "Analysts list and restore" not in text


def test_sensitivity_section_for_a_leader_and_a_station_user(app, synthetic_db_path):
    _exclude_s1(synthetic_db_path)
    leader = open_as(app, synthetic_db_path, "boss")
    text = rendered(leader)
    assert "25 respondents are excluded now" in text and "Analysts list and restore" in text
    assert not any("Integrity page" in link.proto.label for link in leader.get("page_link"))
    # The station user of S1: its own row only, with its own exclusions counted.
    s1 = open_as(app, synthetic_db_path, "s1chief", lang="zh")
    table = _sensitivity_table(s1)
    assert list(table["辖区"]) == ["甲派出所"] and list(table["排除数"]) == [25]
    assert "乙派出所" not in rendered(s1) and "分析员" in rendered(s1)


def test_a_run_assesses_once_and_builds_the_workbook_only_on_demand(app, synthetic_db_path, monkeypatch):
    """The page's first run assesses the scheme once: the sensitivity view reuses it (no exclusion is in force)
    and the scheme editor's unchanged draft is the saved scheme; a re-run assesses nothing (cached); the workbook
    is built only when its button is pressed, by the function the button holds."""
    calls: list[str] = []
    real_assess, real_workbook = assessment.assess, assessment.workbook_bytes
    monkeypatch.setattr(assessment, "assess", lambda *a, **k: calls.append("assess") or real_assess(*a, **k))
    monkeypatch.setattr(assessment, "workbook_bytes",
                        lambda *a, **k: calls.append("workbook") or real_workbook(*a, **k))
    at = open_as(app, synthetic_db_path, "ana")
    assert calls == ["assess"]
    text = rendered(at)
    assert "Sensitivity: the assessment ranking without doubtful answers" in text
    at.run()
    assert not at.exception, at.exception
    assert calls == ["assess"]
    beside = next(d.value for d in at.dataframe if any(c.endswith("(edited)") for c in d.value.columns))
    current = [c for c in beside.columns if c.endswith("(current)")]
    edited = [c for c in beside.columns if c.endswith("(edited)")]
    assert len(current) == len(edited) == 2
    assert beside[current].to_numpy().tolist() == beside[edited].to_numpy().tolist()  # the same ranking
    # the rank with its interval, as the header 'Rank (interval)' says (it was the rank alone: '3')
    assert beside[current[0]].str.match(r"^\d+ \(\d+–\d+\)$").sum() >= 4
    button = next(b for b in at.get("download_button") if b.label.startswith("Download the assessment workbook"))
    assert calls == ["assess"] and button is not None


def _contribution_rows(at) -> list[str]:
    """The jurisdictions of the contributions chart, top to bottom (plotly draws a category axis bottom-up)."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["data"] and spec["data"][0].get("orientation") == "h" and spec["layout"].get("barmode") == "stack":
            return list(reversed(spec["data"][0]["y"]))
    raise AssertionError("no contributions chart on the page")


def test_contributions_chart_draws_its_rows_a_page_at_a_time(app, synthetic_db_path, monkeypatch):
    """As the Overview heat-map: hundreds of stations would make a chart thousands of pixels tall, redrawn by the
    browser on every run. Pages follow the ranking (highest score first) and survive a language switch."""
    from app_pages import common

    monkeypatch.setattr(common, "HEATMAP_PAGE_ROWS", 2)
    at = open_as(app, synthetic_db_path, "boss")
    table = at.dataframe[0].value
    ranked = table[table["Score (95% interval)"].str.match(r"^\d")]
    by_score = ranked.assign(score=ranked["Score (95% interval)"].str.extract(r"^([\d.]+)")[0].astype(float))
    expected = by_score.sort_values("score", ascending=False, kind="stable")["Jurisdiction"].tolist()
    assert len(expected) >= 3
    picker = at.selectbox(key=f"as_rows_{len(expected)}_en")
    assert picker.options[0] == f"Rows 1–2 of {len(expected)}"
    assert _contribution_rows(at) == expected[:2]
    picker.set_value(1).run()
    assert _contribution_rows(at) == expected[2:4]
    at.session_state["lang"] = "zh"
    at.run()
    assert at.selectbox(key=f"as_rows_{len(expected)}_zh").options[1] == f"第 3–4 行（共 {len(expected)} 行）"
    assert len(_contribution_rows(at)) == len(expected[2:4])


def test_pairs_that_cannot_be_told_apart_are_named_up_to_a_few_then_counted(app, synthetic_db_path, monkeypatch):
    """At hundreds of stations most neighbours overlap: a few pairs are named, the rest counted (it was a wall of
    every pair's names under the ranking)."""
    from app_pages import common

    at = open_as(app, synthetic_db_path, "boss")
    note = next(c.value for c in at.caption if c.value.startswith("These neighbours in the ranking"))
    pairs = note.split(": ", 1)[1].split("; ")
    assert pairs == ["Station D / Station A"] and "more" not in note  # the scope city: one pair
    monkeypatch.setattr(common, "APART_PAIRS_SHOWN", 0)
    at = open_as(app, synthetic_db_path, "boss")
    note = next(c.value for c in at.caption if c.value.startswith("These neighbours in the ranking"))
    assert note.endswith("sampling error): … and 1 more (the rank intervals in the table give every station's range)")
