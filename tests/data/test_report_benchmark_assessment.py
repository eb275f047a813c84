"""Forum exports with a published benchmark and the assessment (issues 17 and 16): the PowerPoint (opened with
python-pptx) and the HTML carry "London (MPS) 63%, our city …" with the source named, no interval and no arrow for
a figure without a base, a Wilson interval for one with a base; and the place's score and rank with their
intervals and its target statuses, equal to what analytics.assessment computes for the same selection."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from pptx import Presentation

from analytics import assessment, forum, published, report, store
from analytics.auth import LOCAL_USER, User
from analytics.cli import main as cli_main
from analytics.errors import UnknownNameError
from analytics.published import ResultsSpec
from analytics.selection import Selection
from tests.data.test_report import slide_text
from tests.data.test_scope_cli import PERIOD, add_internal_evaluation

SOURCE = "MPS Public Attitude Survey"
# Trust without a base (no interval may be drawn); satisfaction with a base of 1000 (a Wilson interval).
# Westminster: an area under the root; 2025Q2 has only a measure of its own (no Jingmin indicator).
FILE = ("area;quarter;measure;value;base\n"
        f";{PERIOD};Trust;0,63;\n"
        f";{PERIOD};Satisfaction;0,875;1000\n"
        ";2025Q3;Trust;0,61;\n"
        f"Westminster;{PERIOD};Trust;0,58;\n"
        ";2025Q2;Confidence;0,70;\n")


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    from tests.conftest import build_synthetic_city

    folder = tmp_path_factory.mktemp("extras")
    path = folder / "city.duckdb"
    con = store.connect(path)
    build_synthetic_city(con)
    add_internal_evaluation(con, folder)
    # 40/70 clues detected at every station: far below 0.9 (missed); satisfaction at least 0.2: met
    assessment.set_target(con, "internal", "clue_detection", 0.9, user=LOCAL_USER)
    assessment.set_target(con, "indicator", "satisfaction", 0.2, user=LOCAL_USER)
    (folder / "mps.csv").write_text(FILE, encoding="utf-8")
    spec = ResultsSpec(root="London (MPS)", columns={"jurisdiction": "area", "period": "quarter",
                                                      "measure": "measure", "value": "value", "n": "base"},
                       source=SOURCE, measures={"Trust": "trust", "Satisfaction": "satisfaction"})
    published.load_results(con, folder / "mps.csv", spec, user=LOCAL_USER, create_jurisdictions=True)
    con.close()
    return path


def wilson(p: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module")
def summaries(city):
    con = store.connect(city)
    out = {}
    for lang in ("zh", "en"):
        base = forum.forum_summary(con, Selection("quarter", (PERIOD,)), "S1", lang)
        out[lang] = forum.with_assessment(con, forum.with_benchmark(con, base, "London (MPS)"), user=LOCAL_USER)
    expected = assessment.assess(con, Selection(period_kind="quarter", periods=(PERIOD,), level="station"))
    con.close()
    return out, expected


def test_benchmark_lines_are_as_published_beside_our_city(summaries):
    s = summaries[0]["en"]
    lines = {line.indicator: line for line in s.benchmark.lines}
    assert set(lines) == {"trust", "satisfaction"} and s.benchmark.area == "London (MPS)"
    trust, sat = lines["trust"], lines["satisfaction"]
    assert (trust.published, trust.interval, trust.source) == ("63%", "published figure, no interval", SOURCE)
    assert trust.own == s.tile("trust").city.text
    assert trust.sentence == (f"London (MPS) 63%, our city {s.tile('trust').city.text} "
                              f"(published figure, source: {SOURCE})")
    low, high = wilson(0.875, 1000)
    assert sat.published == "87.5%"
    assert sat.interval == f"95% interval {100 * low:.1f}%–{100 * high:.1f}% (base 1,000)"


def test_assessment_figures_equal_the_engine(summaries):
    out, expected = summaries
    a = out["en"].assessment
    row = expected.scores[expected.scores["jurisdiction"] == "S1"].iloc[0]
    assert a.scheme == "standard"
    assert (a.score, a.score_interval) == (f"{row['score']:.1f}", f"{row['ci_low']:.1f}–{row['ci_high']:.1f}")
    ranked = int(expected.scores["rank"].notna().sum())
    assert ranked >= 2
    assert (a.rank, a.rank_interval, a.ranked_among) == (
        str(int(row["rank"])), f"{int(row['rank_low'])}–{int(row['rank_high'])}", ranked)
    assert a.sentence == (f"Score {a.score} points of 100 (95% interval {a.score_interval}); rank {a.rank} of "
                          f"{ranked} (95% rank interval {a.rank_interval}).")
    statuses = {c.label: c.status_key for c in a.components}
    assert statuses["Detection rate of residents' clues"] == "missed"
    assert statuses["Satisfaction"] in ("met", "likely_met")
    assert "Weight" in a.formula or "weight" in a.formula


def test_a_station_user_sees_its_score_but_no_rank_among_stations_it_cannot_see(city):
    con = store.connect(city, read_only=True)
    try:
        station = User("s1chief", "station", "S1")
        s = forum.with_assessment(con, forum.forum_summary(con, Selection("quarter", (PERIOD,), user=station), "S1", "en"), user=station)
    finally:
        con.close()
    assert s.assessment.score and s.assessment.rank == "" and "rank" not in s.assessment.sentence


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pptx_carries_the_benchmark_and_assessment(summaries, lang):
    s = summaries[0][lang]
    deck = Presentation(io.BytesIO(report.build_pptx(s)))
    titles = {slide.shapes.title.text: slide for slide in deck.slides if slide.shapes.title is not None}
    from analytics.i18n import t

    bench = titles[t("published.report.title", lang, area="London (MPS)")]
    text = slide_text(bench)
    assert "63%" in text and "87.5%" in text and SOURCE in text
    assert t("published.no_interval", lang) in text
    assert "▲" not in text and "▼" not in text  # no arrow for a published figure
    notes = bench.notes_slide.notes_text_frame.text
    assert s.benchmark.lines[0].sentence in notes
    scored = slide_text(titles[t("assess.forum.title", lang, scheme="standard")])
    assert s.assessment.sentence in scored
    assert t("assess.status.missed", lang) in scored
    assert s.assessment.score in scored and s.assessment.rank_interval in scored
    assert "law_knowledge" not in scored  # components by name, not by key
    formula = slide_text(titles[t("assess.forum.formula", lang)])
    assert "standard" in formula


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_carries_the_benchmark_and_assessment(summaries, lang):
    s = summaries[0][lang]
    page = report.build_html(s)
    bench = re.search(r'<section id="benchmark">(.*?)</section>', page, re.S).group(1)
    assert re.search(r'<tr data-indicator="trust"><td>[^<]+</td><td class="published">63%</td>', bench)
    assert SOURCE in bench and "▲" not in bench and "▼" not in bench
    scored = re.search(r'<section id="assessment">(.*?)</section>', page, re.S).group(1)
    assert f'data-score="{s.assessment.score}" data-rank="{s.assessment.rank}"' in scored
    assert '<tr data-status="missed">' in scored


def test_reports_without_the_options_carry_neither(summaries, city):
    con = store.connect(city, read_only=True)
    try:
        plain = forum.forum_summary(con, Selection("quarter", (PERIOD,)), "S1", "en")
    finally:
        con.close()
    page = report.build_html(plain)
    assert 'id="benchmark"' not in page and 'id="assessment"' not in page


def test_cli_report_with_benchmark_and_assessment(city, tmp_path, summaries):
    out = tmp_path / "forum.html"
    assert cli_main(["report", "--jurisdiction", "S1", "--period", PERIOD, "--format", "html", "--lang", "en",
                     "--benchmark", "London (MPS)", "--with-assessment", "--out", str(out), "--db", str(city)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "London (MPS) 63%, our city" in page.replace("&#x27;", "'")
    assert summaries[0]["en"].assessment.sentence in page
    con = store.connect(city, read_only=True)
    try:
        detail = con.execute("SELECT detail FROM audit_log WHERE action = 'export.report' "
                             "ORDER BY audit_id DESC LIMIT 1").fetchall()[0][0]
    finally:
        con.close()
    assert '"benchmark": "London (MPS)"' in detail and '"assessment": "default"' in detail


def test_unknown_benchmark_area_is_an_error(city):
    con = store.connect(city, read_only=True)
    try:
        summary = forum.forum_summary(con, Selection("quarter", (PERIOD,)), "S1", "en")
        with pytest.raises(UnknownNameError, match=r"No published figures are loaded for 'Paris'; publishers "
                                                   r"loaded: London \(MPS\)") as unknown:
            forum.with_benchmark(con, summary, "Paris")
        assert unknown.value.message_key == "published.benchmark_unknown"
        # An area given where the publisher belongs: the message names the publisher and the area to choose.
        with pytest.raises(UnknownNameError, match=r"'Westminster' is an area under the publisher 'London \(MPS\)'"
                                                   r".*--benchmark London \(MPS\) --benchmark-area Westminster"):
            forum.with_benchmark(con, summary, "Westminster")
        assert forum.with_benchmark(con, summary, "London (MPS)", "Westminster").benchmark.lines[0].published == "58%"
        # A period whose only published measure has no indicator: the message lists what is published.
        earlier = forum.forum_summary(con, Selection("quarter", ("2025Q2",)), "S1", "en")
        with pytest.raises(UnknownNameError, match="publishes Confidence for 2025Q2, but none of them is "
                                                   "mapped") as unmapped:
            forum.with_benchmark(con, earlier, "London (MPS)")
        assert unmapped.value.message_key == "published.benchmark_unmapped"
    finally:
        con.close()
