"""The demo's published results (issue 17): a fresh demo database carries a provincial bureau's quarterly rates
with base n (Wilson intervals, one figure withheld) and a neighbouring city's 0-10 mean scores without a base
(shown as published, no interval), so a fresh clone shows benchmarks."""

from __future__ import annotations

import math

import pytest

from analytics import demo, published, store
from analytics.selection import Selection
from analytics.roles import LOCAL_USER


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    # The registry and the published files only: the survey files are not needed to check what the province says.
    con = store.connect(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    try:
        saved = demo.DEMO_FILES
        demo.DEMO_FILES = [("jurisdictions", "jurisdictions.csv")]
        demo.build_demo_database(con, user=LOCAL_USER)
    finally:
        demo.DEMO_FILES = saved
    table = published.published_table(con, Selection(period_kind="all"))
    loads = published.loads(con)
    con.close()
    return {(r["root"], r["jurisdiction"], r["period"], r["measure"]): r for r in table.to_dict("records")}, loads


def test_the_province_bulletin_loads_with_bases_and_wilson_intervals(figures):
    got, loads = figures
    assert set(loads["root"]) == {"江南省", "河口市"} and set(loads["status"]) == {"loaded"}
    ours = got[("江南省", "江城市", "2024Q4", "群众满意率(%)")]
    assert (ours["value_text"], ours["shown"], ours["indicator"], ours["n"]) == ("84.5", "84.5%", "satisfaction",
                                                                                  1129)
    assert ours["interval"] == "wilson" and ours["ci_low"] < 0.845 < ours["ci_high"]
    whole = got[("江南省", "", "2026Q3", "见警率(%)")]
    assert whole["jurisdiction_name"] == "江南省" and whole["indicator"] == "visibility"
    withheld = got[("江南省", "白沙县", "2025Q1", "见警率(%)")]
    assert withheld["flag"] == "not_published" and math.isnan(withheld["value"])
    province = [k for k in got if k[0] == "江南省"]
    assert len(province) == 8 * 6 * 2


def test_the_neighbours_mean_scores_have_no_base_and_no_interval(figures):
    got, _loads = figures
    score = got[("河口市", "", "2024Q4", "满意度评分")]
    assert (score["value_text"], score["value_kind"], score["scale_max"], score["period"]) == ("8.10", "mean", 10.0,
                                                                                               "2024Q4")
    assert score["flag"] == "no_base" and score["interval"] == "none" and math.isnan(score["ci_low"])
    assert score["source"] == "河口市公安局 民意评价月报"
    assert len([k for k in got if k[0] == "河口市"]) == 16


def test_the_province_file_is_proposed_as_the_demo_loads_it(tmp_path):
    con = store.connect(tmp_path / "p.duckdb")
    try:
        name, loaded_with = demo.DEMO_PUBLISHED[0]
        spec, _headers, _preview = published.propose(con, demo.DEMO_DIR / name, root="江南省")
    finally:
        con.close()
    assert spec.columns == loaded_with.columns  # 市县 is the area, 样本量 the base
    assert (spec.shape, spec.measure_columns, spec.value_format) == ("wide", loaded_with.measure_columns, "percent")
    assert spec.measures == loaded_with.measures  # 群众满意率(%) -> satisfaction, 见警率(%) -> visibility
