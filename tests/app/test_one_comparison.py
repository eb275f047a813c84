"""Issue 15.6: one comparison rule everywhere. For the same selection the Overview's scorecard, the Forum
(engine summary and its report) and ``python -m analytics indicators --changes`` show the same change figure
and call the same changes significant, under either rule of the sidebar's "compared with" choice.

(Before this, the Forum headlined the change against a year earlier tested on one jurisdiction alone, while
the Overview showed the change against the previous period adjusted across every station: on the demo city
S01's satisfaction in 2026Q3 read "+4.5" on the Overview and "up 7.5 points — a real change" on the Forum.)
"""

import contextlib
import io
import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import cli, forum, report, store
from analytics.selection import Selection
from tests.app.helpers import REPO, heatmap
from tests.data.test_forum import build_forum_city

PERIOD = "2025Q4"
NAMES = {"S1": "Station A", "S2": "Station B", "S3": "Station C", "S4": "Station D"}
KEYS = ["visibility", "familiarity", "awareness", "satisfaction", "safety", "trust"]
LABELS = ["Visibility", "Familiarity", "Awareness", "Satisfaction", "Safety", "Trust"]
WORDS = {"previous": "compared with the previous period (2025Q3)",
         "year": "compared with the same period a year earlier (2024Q4)"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The forum city: the synthetic city with a real rise (S2 visibility) and fall (S3 trust) in 2025Q4."""
    return build_forum_city(tmp_path_factory.mktemp("one_comparison") / "forum.duckdb")


def overview(city, monkeypatch, comparison: str, code: str | None = None) -> AppTest:
    """The Overview (the dashboard's first page) in English with the sidebar's "compared with" choice, and
    jurisdiction ``code`` picked under the heat-map (its detail table shows each indicator's change)."""
    monkeypatch.setenv("JINGMIN_DB", str(city))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["_comparison"] = comparison
    if code is not None:
        at.session_state["_ov_detail"] = code  # the detail picker's remembered choice (common.picker)
    at.run()
    assert not at.exception, at.exception
    return at


def cli_rows(db, comparison: str) -> dict[tuple[str, str], dict]:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert cli.main(["indicators", "--by", "jurisdiction,quarter", "--level", "station", "--period", PERIOD,
                         "--changes", comparison, "--format", "json", "--db", str(db)]) == 0
    return {(r["jurisdiction"], r["indicator"]): r for r in json.loads(stdout.getvalue())}


def overview_changes(at: AppTest, comparison: str) -> dict[str, tuple[str, bool]]:
    """Indicator label -> (change shown, marked significant) from the picked row's detail table, whose
    change column names the comparison in words: '+4.4 · significant rise'."""
    detail = at.dataframe[-1].value
    column = f"Change ({WORDS[comparison]})"
    return {label: (cell.split(" · ")[0], cell.split(" · ")[1] in ("significant rise", "significant fall"))
            for label, cell in zip(detail["Indicator"], detail[column], strict=True) if cell}


@pytest.mark.parametrize("comparison", ["previous", "year"])
def test_overview_forum_and_cli_show_the_same_change(city, monkeypatch, comparison):
    at = overview(city, monkeypatch, comparison)
    synthetic_db_path = city
    assert WORDS[comparison] in " ".join(c.value for c in at.caption)  # the rule said in words
    rows = cli_rows(synthetic_db_path, comparison)
    con = store.connect(synthetic_db_path)
    try:
        summaries = {code: forum.forum_summary(con, Selection(periods=(PERIOD,), comparison=comparison), code, "en")
                     for code in NAMES}
    finally:
        con.close()
    compared, significant = 0, 0
    grid = heatmap(at)
    for code, name in NAMES.items():
        picked = overview(city, monkeypatch, comparison, code)
        assert any(name in m.value for m in picked.markdown)  # the detail is this station's
        shown_changes = overview_changes(picked, comparison)
        html = report.build_html(summaries[code])
        for key, label in zip(KEYS, LABELS, strict=True):
            row = rows[code, key]
            (change,) = summaries[code].tile(key).changes
            assert change.lag == comparison and change.period == row["prev_period"]
            if row["change"] is None:
                assert change.change is None
                continue
            shown, marked = shown_changes[label]
            assert shown == f"{100 * row['change']:+.1f}" == f"{100 * change.change:+.1f}", (code, key)
            # The heat-map cell's hover says the same change, significance and comparison in words.
            words = {"up": "significant rise", "down": "significant fall"}.get(row["direction"] or "",
                                                                              "no significant change")
            assert grid.cell(name, label, "hover").split("<br>")[3] == f"{WORDS[comparison]}: {shown} points, {words}"
            assert marked == bool(row["direction"]) == change.significant, (code, key)
            if change.significant:  # the report says it in the same words as the Forum page
                assert change.sentence in html
            compared += 1
            significant += change.significant
    assert compared == 24  # 4 stations x 6 indicators with both periods shown (Station E is suppressed)
    # Both outcomes occur (S2's rise and S3's fall in 2025Q4 are real), so a disagreement either way would show.
    assert 0 < significant < compared
