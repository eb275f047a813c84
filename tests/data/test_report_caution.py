"""Issue 15 item 7: forum slides and the HTML report draw a 'use with caution' point hollow with the note,
never a suppressed one; residents see no command line and no data version (speaker notes keep them)."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from lxml import etree
from pptx import Presentation
from pptx.util import Pt

from analytics import forum, report, report_common, store
from analytics.i18n import t
from analytics.periods import period_kind
from analytics.selection import Selection
from tests.data.test_forum import PERIOD, build_forum_city

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def summary_of(tmp_path_factory):
    con = store.connect(build_forum_city(tmp_path_factory.mktemp("caution") / "forum.duckdb"))
    sel = Selection(period_kind=period_kind(PERIOD), periods=(PERIOD,))
    memo = {lang: forum.forum_summary(con, sel, "S1", lang) for lang in ("zh", "en")}
    con.close()
    return memo


def with_caution(summary: forum.ForumSummary) -> forum.ForumSummary:
    """The summary with the first indicator's latest own point flagged 'use with caution' (as a '100.0%' from
    32 answers is), its second-to-last point suppressed, and the station's own rate in the comparison a caution."""
    tile = summary.tiles[0]
    own = tile.trend[0]
    last = len(own.values) - 1
    flags = list(own.flags)
    values, lows, highs = list(own.values), list(own.ci_low), list(own.ci_high)
    flags[last] = "caution"
    flags[last - 1] = "suppressed"
    values[last - 1] = lows[last - 1] = highs[last - 1] = None
    own = dataclasses.replace(own, flags=tuple(flags), values=tuple(values), ci_low=tuple(lows), ci_high=tuple(highs))
    tile = dataclasses.replace(tile, trend=(own, *tile.trend[1:]), rate=dataclasses.replace(tile.rate, flag="caution"))
    return dataclasses.replace(summary, tiles=(tile, *summary.tiles[1:]))


def point_fills(chart, series_index: int = 0) -> dict[int, str | None]:
    """Point index -> the marker's (or bar's) fill colour set for that point alone (None: the series' fill)."""
    ser = chart.plots[0].series[series_index]._element
    out = {}
    for dpt in ser.iter(f"{C}dPt"):
        idx = int(dpt.find(f"{C}idx").get("val"))
        fill = dpt.find(f".//{A}solidFill/{A}srgbClr")
        out[idx] = fill.get("val") if fill is not None else None
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pptx_caution_point_is_hollow_with_the_note_and_suppressed_is_not_drawn(summary_of, lang):
    summary = with_caution(summary_of[lang])
    deck = Presentation(io.BytesIO(report.build_pptx(summary)))
    slide = list(deck.slides)[2]  # the first indicator's slide
    (chart,) = [s.chart for s in slide.shapes if s.has_chart]
    values = chart.plots[0].series[0].values
    last = len(values) - 1
    assert values[last - 1] is None, "a suppressed point is drawn"
    assert point_fills(chart)[last] == "FFFFFF", "the caution point is drawn filled, like any other"
    assert last - 1 not in point_fills(chart)
    notes = [s.text_frame.text for s in slide.shapes if s.name == "Caution note"]
    assert notes == [t("forum.report.caution_note", lang)]
    label = etree.tostring(chart.plots[0].series[0]._element, encoding="unicode")
    assert t("forum.report.caution_mark", lang) in label
    # The comparison's station column for that indicator is hollow too, with the note.
    compare = list(deck.slides)[2 + len(summary.tiles)]
    (columns,) = [s.chart for s in compare.shapes if s.has_chart]
    assert point_fills(columns)[0] == "FFFFFF"
    assert [s.name for s in compare.shapes].count("Caution note") == 1


def test_pptx_without_caution_has_no_hollow_point_and_no_note(summary_of):
    deck = Presentation(io.BytesIO(report.build_pptx(summary_of["en"])))
    slide = list(deck.slides)[2]
    (chart,) = [s.chart for s in slide.shapes if s.has_chart]
    assert "FFFFFF" not in point_fills(chart).values()
    assert not [s for s in slide.shapes if s.name == "Caution note"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_caution_point_is_hollow_with_the_note(summary_of, lang):
    summary = with_caution(summary_of[lang])
    text = report.build_html(summary)
    section = text[text.index(f'data-indicator="{summary.tiles[0].indicator}"><div>'):]
    section = section[:section.index('<div class="indicator"', 10)] if '<div class="indicator"' in section[10:] \
        else section
    assert len(re.findall(r'<circle [^>]*class="caution"', section)) == 1
    assert t("forum.report.caution_note", lang) in section
    assert len(re.findall(r'<rect [^>]*class="caution"', text)) == 1
    plain = report.build_html(summary_of[lang])
    assert 'class="caution"' not in plain and t("forum.report.caution_note", lang) not in plain


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_residents_see_no_command_and_no_data_version(summary_of, lang):
    summary = summary_of[lang]
    deck = Presentation(io.BytesIO(report.build_pptx(summary)))
    version = t("forum.report.footer", lang, version=summary.data_version)
    for slide in deck.slides:
        shown = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert "python -m" not in shown and version not in shown
        assert report_common.method_lines(summary)[0] not in shown  # the source line that names the data version
    method = list(deck.slides)[-1]
    notes = method.notes_slide.notes_text_frame.text
    assert summary.indicators_command in notes
    assert t("forum.report.notes_version", lang, version=summary.data_version) in notes
    html = report.build_html(summary)
    body = html[html.index("<body>"):]
    assert "python -m" not in body and version not in body and report_common.method_lines(summary)[0] not in body
    assert f'content="{summary.data_version}"' in html


def test_caution_marker_is_larger_than_the_line_so_it_reads_as_a_ring(summary_of):
    deck = Presentation(io.BytesIO(report.build_pptx(with_caution(summary_of["en"]))))
    (chart,) = [s.chart for s in list(deck.slides)[2].shapes if s.has_chart]
    last = len(chart.plots[0].series[0].values) - 1
    assert chart.plots[0].series[0].points[last].marker.format.line.width >= Pt(2)
