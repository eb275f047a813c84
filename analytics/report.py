"""Forum reports: a PowerPoint deck with native, editable charts and a self-contained HTML file.

Both are drawn from a :class:`analytics.forum.ForumSummary` and nothing else: every number and
sentence comes from the summary (so from the engine), formatted by :mod:`analytics.presentation`
exactly as the dashboard formats it; no number is typed here. Suppressed rates have no number in
the summary, so they cannot appear in a chart or a text — they show the 'suppressed' label.

* :func:`build_pptx` — python-pptx; 16:9; one slide per topic (title, key figures, one slide per
  indicator with its trend as a native line chart, the comparison with district and city as a
  native clustered column chart, case work, "you said, we did", and how to read the figures).
  Titles, text and speaker notes are in the summary's language; Chinese text carries an East Asian
  font (``a:ea``) so PowerPoint and LibreOffice pick a CJK face.
* :func:`build_html` — one file with inline CSS and inline SVG charts (no script, no external
  resource), so it opens offline and prints (``@media print``). Every text from the database is
  escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from analytics.errors import UnknownNameError
from analytics.forum import CaseFigure, Change, ForumSummary, Place, Rate, Tile
from analytics.i18n import t
from analytics.periods import WAVE_KIND
from analytics.presentation import pct

# One palette for the jurisdiction, its district and the city (the dashboard's first colours).
PLACE_COLORS = ("#1f4e8c", "#00798c", "#8d96a3")
INK = "#1c2733"
MUTED = "#5f6b7a"
UP = "#2e7d32"
DOWN = "#c62828"
TILE_FILL = "#f2f5f9"
FONTS = {"zh": "Microsoft YaHei", "en": "Calibri"}
HTML_FONTS = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", system-ui, sans-serif'
ACTION_ROWS_PER_SLIDE = 6
MAX_LABELLED_POINTS = 8  # trend charts with more periods label only the latest point
CAUTION = "caution"  # a rate's flag when its base is small: drawn hollow, with the note under the chart
WHITE = "#ffffff"

SLIDE_W = Inches(13.333)
SLIDE_H = Inches(7.5)
MARGIN = Inches(0.5)


# One place's column values (None: no column) and each value's flag (ok | caution | suppressed | missing).
ColumnSeries = tuple[str, Sequence[float | None], Sequence[str]]


def _caution_points(flags: Sequence[str], values: Sequence[float | None]) -> list[int]:
    """Indices of the drawn values flagged 'use with caution' (a suppressed value is never drawn: it is None)."""
    return [i for i, (flag, value) in enumerate(zip(flags, values, strict=True)) if flag == CAUTION
            and value is not None]


def _has_caution(series: Sequence[ColumnSeries]) -> bool:
    return any(_caution_points(flags, values) for _name, values, flags in series)


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _places(summary: ForumSummary) -> list[Place]:
    return [p for p in (summary.place, summary.district, summary.city) if p is not None]


def _level_text(summary: ForumSummary) -> str:
    return f"{100 * summary.confidence:g}%"


def _change_color(change: Change | None) -> str:
    if change is None or not change.significant:
        return MUTED
    return UP if change.status == "up" else DOWN


def _change_mark(change: Change | None) -> str:
    if change is None or not change.significant:
        return ""
    return "▲ " if change.status == "up" else "▼ "


def axis_range(values: Sequence[float | None], rate: Rate | None = None) -> tuple[float, float]:
    """An axis range in steps of a tenth of the scale around the shown values (whole scale when none).

    A rate's axis is 0..1 (steps of 10 points); a mean score's is its scale (0..10 in steps of 1).
    """
    if rate is not None and rate.is_mean:
        lo, hi = rate.scale_min, rate.scale_max
        step = (hi - lo) / 10
        shown = [v for v in values if v is not None]
        if not shown:
            return lo, hi
        low = max(lo, lo + math.floor((min(shown) - lo) / step - 0.5) * step)
        high = min(hi, lo + math.ceil((max(shown) - lo) / step + 0.5) * step)
        return low, max(high, low + step)
    shown = [v for v in values if v is not None]
    if not shown:
        return 0.0, 1.0
    low = max(0.0, math.floor((min(shown) - 0.05) * 10) / 10)
    high = min(1.0, math.ceil((max(shown) + 0.05) * 10) / 10)
    return low, max(high, low + 0.1)


def _number_formats(rate: Rate) -> tuple[str, str]:
    """PowerPoint number formats (value labels, axis ticks): percent for a rate, plain points for a mean."""
    if rate.is_mean:
        digits = len(rate.format_change(0.0)) - 3  # '+0.0' -> 1 decimal, '+0.00' -> 2
        return "0." + "0" * digits, "0"
    return "0.0%", "0%"


def _tick_text(value: float, rate: Rate) -> str:
    """An axis tick of the SVG charts: '60%' for a rate, '6' for a mean score."""
    return f"{value:g}" if rate.is_mean else f"{round(100 * value)}%"


def method_lines(summary: ForumSummary, *, public: bool = False) -> list[str]:
    """How to read the figures, one sentence each, with the settings in force (shown on the page too).

    ``public``: the lines residents see on a slide or in the HTML report, without the data version (an
    analyst's reference, kept in the speaker notes and the HTML's metadata).
    """
    lang, level = summary.lang, _level_text(summary)
    weighting = t("forum.report.weighted" if summary.weighted else "forum.report.unweighted", lang)
    source = (t("forum.report.method_source_public", lang, weighting=weighting) if public else
              t("forum.report.method_source", lang, weighting=weighting, version=summary.data_version))
    lines = [
        source,
        t("forum.report.method_interval", lang, level=level),
        t("forum.report.method_change", lang, level=level),
        t("forum.report.method_suppressed", lang, suppress=f"{summary.suppress_below:g}"),
    ]
    if summary.period_kind == WAVE_KIND:
        lines.append(t("forum.report.method_wave", lang))
    if summary.cases:
        lines.append(t("forum.report.method_cases", lang))
    return lines


def trend_title(summary: ForumSummary) -> str:
    """The trend section's heading: 'The last 8 periods', or for survey waves 'The last 3 survey waves'."""
    key = "forum.report.trend_wave" if summary.period_kind == WAVE_KIND else "forum.report.trend"
    return t(key, summary.lang, count=len(summary.trend_periods))


def _tile_notes(summary: ForumSummary, tile: Tile) -> str:
    lang = summary.lang
    lines = [t("forum.report.notes_rate", lang, label=tile.label, rate=tile.rate.text, interval=tile.interval_sentence)]
    for change in tile.changes:
        lines.append(change.sentence)
        if change.change is not None and change.p_adjusted is not None:
            lines.append(t("forum.report.notes_test", lang, period=change.period,
                           change=tile.rate.format_change(change.change),
                           p=f"{change.p_adjusted:.3f}"))
    for parent in (tile.district, tile.city):
        if parent is not None:
            lines.append(f"{parent.name}: {parent.text}" + (f" (n={parent.n})" if parent.n else ""))
    lines.append(t("forum.report.notes_definition", lang, description=tile.description))
    return "\n".join(lines)


# =============================================================================================== PPTX


class _Deck:
    """A 16:9 deck whose text all uses the language's font (with an East Asian face for Chinese)."""

    def __init__(self, summary: ForumSummary) -> None:
        self.summary = summary
        self.lang = summary.lang
        self.font = FONTS.get(summary.lang, FONTS["en"])
        self.prs = Presentation()
        self.prs.slide_width = SLIDE_W
        self.prs.slide_height = SLIDE_H
        self.prs.core_properties.title = summary.title
        self.prs.core_properties.subject = summary.subtitle
        self.prs.core_properties.language = "zh-CN" if self.lang == "zh" else "en-US"

    # --- fonts and text
    def style(self, font: Any, size: float, *, bold: bool = False, color: str = INK) -> None:
        """Set size, weight, colour and typeface (latin and East Asian) of a python-pptx font."""
        font.size = Pt(size)
        font.bold = bold
        font.color.rgb = _rgb(color)
        font.name = self.font
        rpr = font._element  # a:rPr or a:defRPr
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = etree.SubElement(rpr, qn("a:ea"))
            latin = rpr.find(qn("a:latin"))
            if latin is not None:
                latin.addnext(ea)
        ea.set("typeface", self.font)

    def paragraphs(self, frame: Any, lines: Sequence[tuple[str, float, bool, str]], *,
                   align: PP_ALIGN = PP_ALIGN.LEFT, space_after: float = 6) -> None:
        """Fill a text frame with (text, size, bold, colour) paragraphs."""
        frame.word_wrap = True
        for index, (text, size, bold, color) in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.alignment = align
            paragraph.space_after = Pt(space_after)
            run = paragraph.add_run()
            run.text = text
            self.style(run.font, size, bold=bold, color=color)

    def textbox(self, slide: Any, left: int, top: int, width: int, height: int,
                lines: Sequence[tuple[str, float, bool, str]], **kwargs: Any) -> Any:
        """A text box with the given paragraphs."""
        box = slide.shapes.add_textbox(left, top, width, height)
        self.paragraphs(box.text_frame, lines, **kwargs)
        return box

    # --- slides
    def slide(self, title: str, notes: str) -> Any:
        """A 'Title Only' slide with the title restyled for 16:9 and the speaker notes set."""
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.9)
        frame = shape.text_frame
        frame.text = ""
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        self.paragraphs(frame, [(title, 32, True, PLACE_COLORS[0])])
        bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.22), Inches(1.2), Inches(0.06))
        self.plain(bar, PLACE_COLORS[0])
        # Residents see no data version (it means nothing to them); the presenter finds it in the notes.
        footer = t("forum.report.footer_public", self.lang)
        self.textbox(slide, MARGIN, SLIDE_H - Inches(0.45), SLIDE_W - 2 * MARGIN, Inches(0.3),
                     [(f"{self.summary.place.name} · {self.summary.period_name} · {footer}", 10, False, MUTED)])
        version = t("forum.report.notes_version", self.lang, version=self.summary.data_version)
        slide.notes_slide.notes_text_frame.text = f"{notes}\n{version}" if notes else version
        return slide

    @staticmethod
    def plain(shape: Any, fill: str | None) -> None:
        """No outline and no shadow; a solid fill when given."""
        if fill is None:
            shape.fill.background()
        else:
            shape.fill.solid()
            shape.fill.fore_color.rgb = _rgb(fill)
        shape.line.fill.background()
        shape.shadow.inherit = False
        effect = shape._element.find(".//" + qn("a:effectRef"))
        if effect is not None:  # LibreOffice draws the theme's shadow unless the style drops it too
            effect.set("idx", "0")

    def tile(self, slide: Any, left: int, top: int, width: int, height: int, label: str, rate: Rate,
             lines: Sequence[tuple[str, float, bool, str]]) -> None:
        """A rounded tile: label, the big rate (or the suppressed label), then short lines."""
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, height)
        shape.adjustments[0] = 0.06
        self.plain(shape, TILE_FILL)
        frame = shape.text_frame
        frame.vertical_anchor = MSO_ANCHOR.TOP
        for side in ("margin_left", "margin_right"):
            setattr(frame, side, Inches(0.18))
        frame.margin_top = Inches(0.12)
        size = 50 if len(rate.text) <= 5 else 38
        big = (rate.text, size, True, PLACE_COLORS[0]) if rate.shown else (rate.text, 24, True, MUTED)
        self.paragraphs(frame, [(label, 18, True, INK), big, *lines], space_after=4)

    def caution_note(self, slide: Any, left: int, top: int, width: int) -> None:
        """The note that says what a hollow point or column means (drawn under a chart that has one)."""
        self.textbox(slide, left, top, width, Inches(0.35),
                     [(t("forum.report.caution_note", self.lang), 12, False, MUTED)]).name = "Caution note"

    # --- charts
    def chart_fonts(self, chart: Any, size: float) -> None:
        """Chart-wide text style (axis labels, legend, data labels)."""
        self.style(chart.font, size, color=INK)

    def line_chart(self, slide: Any, tile: Tile, left: int, top: int, width: int, height: int) -> None:
        """The indicator's trend: one line per place, labels on the jurisdiction's line."""
        label_format, tick_format = _number_formats(tile.rate)
        data = CategoryChartData(number_format=label_format)
        data.categories = list(self.summary.trend_periods)
        for series in tile.trend:
            data.add_series(series.place.name, series.values)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data).chart
        self.chart_fonts(chart, 12)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        low, high = axis_range([v for s in tile.trend for v in s.values], tile.rate)
        axis = chart.value_axis
        step = (tile.rate.scale_max - tile.rate.scale_min) / 10 if tile.rate.is_mean else 0.1
        axis.minimum_scale, axis.maximum_scale, axis.major_unit = low, high, step
        axis.tick_labels.number_format = tick_format
        axis.tick_labels.number_format_is_linked = False
        axis.major_gridlines.format.line.color.rgb = _rgb("#dde3ea")
        axis.format.line.fill.background()
        for index, series in enumerate(chart.plots[0].series):
            color = _rgb(PLACE_COLORS[index % len(PLACE_COLORS)])
            series.smooth = False
            series.format.line.color.rgb = color
            series.format.line.width = Pt(3.5 if index == 0 else 2)
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 9 if index == 0 else 6
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = color
            series.marker.format.line.color.rgb = color
        chart.has_title = False
        for index, series in enumerate(chart.plots[0].series):
            color = PLACE_COLORS[index % len(PLACE_COLORS)]
            for point in _caution_points(tile.trend[index].flags, tile.trend[index].values):
                marker = series.points[point].marker
                marker.style = XL_MARKER_STYLE.CIRCLE
                marker.size = 11 if index == 0 else 8
                marker.format.fill.solid()
                marker.format.fill.fore_color.rgb = _rgb(WHITE)
                marker.format.line.color.rgb = _rgb(color)
                marker.format.line.width = Pt(2.25)
        own = chart.plots[0].series[0]
        if len(self.summary.trend_periods) <= MAX_LABELLED_POINTS:
            labels = own.data_labels
            labels.number_format = label_format
            labels.number_format_is_linked = False
            labels.show_value = True
            labels.position = XL_LABEL_POSITION.ABOVE
            self.style(labels.font, 12, bold=True, color=PLACE_COLORS[0])
            labelled = [i for i, v in enumerate(tile.trend[0].values) if v is not None]
        else:  # many periods: label the latest value only, the rest would overlap
            labelled = [i for i, v in enumerate(tile.trend[0].values) if v is not None][-1:]
            for index in labelled:
                label = own.points[index].data_label
                label.position = XL_LABEL_POSITION.ABOVE
                self.style(label.font, 12, bold=True, color=PLACE_COLORS[0])
        for index in set(labelled) & set(_caution_points(tile.trend[0].flags, tile.trend[0].values)):
            # A caution point's label says so, in the muted colour: not an ordinary, confident figure.
            label = own.points[index].data_label
            label.position = XL_LABEL_POSITION.ABOVE
            frame = label.text_frame
            frame.text = tile.rate.format(tile.trend[0].values[index]) + t("forum.report.caution_mark", self.lang)
            for paragraph in frame.paragraphs:
                for run in paragraph.runs:
                    self.style(run.font, 11, color=MUTED)

    def column_chart(self, slide: Any, categories: Sequence[str], series: Sequence[ColumnSeries],
                     left: int, top: int, width: int, height: int, label_size: float = 10) -> None:
        """Clustered columns: one series per place, values as proportions shown in percent; a caution value's
        column is hollow (outline only) and its label says so; suppressed values have no column."""
        data = CategoryChartData(number_format="0.0%")
        data.categories = list(categories)
        for name, values, _flags in series:
            data.add_series(name, list(values))
        chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left, top, width, height, data).chart
        chart.has_title = False
        self.chart_fonts(chart, 12)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        axis = chart.value_axis
        axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0.0, 1.0, 0.2
        axis.tick_labels.number_format = "0%"
        axis.tick_labels.number_format_is_linked = False
        axis.major_gridlines.format.line.color.rgb = _rgb("#dde3ea")
        plot = chart.plots[0]
        plot.gap_width = 60
        plot.overlap = -10
        for index, item in enumerate(plot.series):
            item.format.fill.solid()
            item.format.fill.fore_color.rgb = _rgb(PLACE_COLORS[index % len(PLACE_COLORS)])
            labels = item.data_labels
            labels.number_format = "0.0%"
            labels.number_format_is_linked = False
            labels.show_value = True
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            self.style(labels.font, label_size, color=INK)
            _name, values, flags = series[index]
            color = PLACE_COLORS[index % len(PLACE_COLORS)]
            for point in _caution_points(flags, values):
                bar = item.points[point]
                bar.format.fill.solid()
                bar.format.fill.fore_color.rgb = _rgb(WHITE)
                bar.format.line.color.rgb = _rgb(color)
                bar.format.line.width = Pt(2)
                frame = bar.data_label.text_frame
                frame.text = pct(values[point]) + t("forum.report.caution_mark", self.lang)
                bar.data_label.position = XL_LABEL_POSITION.OUTSIDE_END
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        self.style(run.font, label_size, color=MUTED)

    def table(self, slide: Any, rows: Sequence[Sequence[str]], left: int, top: int, width: int,
              widths: Sequence[float], *, size: float = 14, row_height: float = 0.45) -> None:
        """A native table; the first row is the header. ``widths`` are fractions of ``width``."""
        shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, Inches(row_height * len(rows)))
        table = shape.table
        for index, fraction in enumerate(widths):
            table.columns[index].width = Emu(int(width * fraction))
        table.rows[0].height = Inches(min(row_height, 0.5))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = ""
                cell.margin_left = cell.margin_right = Inches(0.08)
                self.paragraphs(cell.text_frame, [(text, size, r == 0, "#ffffff" if r == 0 else INK)], space_after=0)
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(PLACE_COLORS[0] if r == 0 else ("#ffffff" if r % 2 else TILE_FILL))

    def save(self) -> bytes:
        """The deck as .pptx bytes."""
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return buffer.getvalue()


def _grid(count: int, rows_max: int = 2) -> tuple[int, int]:
    rows = 1 if count <= 3 else min(rows_max, math.ceil(count / 4))
    return rows, math.ceil(count / rows)


def _title_slide(deck: _Deck) -> None:
    s = deck.summary
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[6])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, SLIDE_W, Inches(0.35))
    deck.plain(band, PLACE_COLORS[0])
    chain = " › ".join(p.name for p in reversed(_places(s)))
    box = deck.textbox(slide, Inches(0.9), Inches(2.1), SLIDE_W - Inches(1.8), Inches(3.2), [
        (s.title, 44, True, PLACE_COLORS[0]),
        (s.subtitle, 26, False, INK),
        # What every change in the deck is against ("2021年第二轮与上一轮调查2021年第一轮比较…").
        *([(s.compared, 18, False, INK)] if s.compared else []),
        (chain, 16, False, MUTED),
    ], space_after=14)
    box.name = "Title"
    slide.notes_slide.notes_text_frame.text = t("forum.report.notes_title", s.lang)


def _key_figures_slide(deck: _Deck) -> None:
    s = deck.summary
    notes = "\n".join(f"{tile.label}: {tile.rate.text}. {tile.interval_sentence} "
                      + " ".join(c.sentence for c in tile.changes) for tile in s.tiles)
    slide = deck.slide(t("forum.report.key_figures", s.lang), notes)
    rows, cols = _grid(len(s.tiles))
    gap = Inches(0.25)
    top0, bottom = Inches(1.55), SLIDE_H - Inches(0.6)
    width = int((SLIDE_W - 2 * MARGIN - gap * (cols - 1)) / cols)
    height = int((bottom - top0 - gap * (rows - 1)) / rows)
    for index, tile in enumerate(s.tiles):
        r, c = divmod(index, cols)
        change = tile.headline_change
        if not tile.rate.shown:
            line = (tile.interval_sentence, 14, False, MUTED)
        elif change is not None:
            line = (_change_mark(change) + change.brief, 17, change.significant, _change_color(change))
        else:
            line = None
        deck.tile(slide, MARGIN + c * (width + gap), top0 + r * (height + gap), width, height, tile.label,
                  tile.rate, [line] if line else [])


def _indicator_slide(deck: _Deck, tile: Tile) -> None:
    s = deck.summary
    slide = deck.slide(tile.label, _tile_notes(s, tile))
    big = (tile.rate.text, 66, True, PLACE_COLORS[0]) if tile.rate.shown else (tile.rate.text, 40, True, MUTED)
    lines: list[tuple[str, float, bool, str]] = [big, (tile.interval_sentence, 16, False, MUTED)]
    for change in tile.changes if tile.rate.shown else ():
        lines.append((_change_mark(change) + change.sentence, 17, change.significant, _change_color(change)))
    parents = [p for p in (tile.district, tile.city) if p is not None]
    if parents:
        lines.append((" · ".join(f"{p.name} {p.text}" for p in parents), 15, False, INK))
    deck.textbox(slide, MARGIN, Inches(1.5), Inches(4.9), Inches(5.2), lines, space_after=10).name = "Rate"
    caution = any(_caution_points(x.flags, x.values) for x in tile.trend)
    deck.line_chart(slide, tile, Inches(5.7), Inches(1.45), SLIDE_W - Inches(5.7) - MARGIN,
                    Inches(5.05 if caution else 5.5))
    if caution:
        deck.caution_note(slide, Inches(5.7), Inches(6.5), SLIDE_W - Inches(5.7) - MARGIN)


def _compare_slide(deck: _Deck) -> None:
    s = deck.summary
    places = _places(s)
    if len(places) < 2:
        return
    # Rates share one 0–100% axis; a mean score (e.g. 0–10) cannot, so it is in the table below only.
    rates = [tile for tile in s.tiles if not tile.rate.is_mean]
    series = [(place.name, [_estimate(_rate_of(tile, index, s)) for tile in rates],
               [_flag(_rate_of(tile, index, s)) for tile in rates]) for index, place in enumerate(places)]
    title = t("forum.report.compare" if s.district is not None else "forum.report.compare_city", s.lang)
    notes = "\n".join(f"{tile.label}: " + " · ".join(f"{r.name} {r.text}" for r in (tile.rate, tile.district, tile.city)
                                                     if r is not None) for tile in s.tiles)
    slide = deck.slide(title, notes)
    if rates:
        deck.column_chart(slide, [tile.label for tile in rates], series, MARGIN, Inches(1.4),
                          SLIDE_W - 2 * MARGIN, Inches(3.75))
        if _has_caution(series):
            deck.caution_note(slide, MARGIN, Inches(5.0), SLIDE_W - 2 * MARGIN)
    header = [t("col.jurisdiction", s.lang)] + [tile.label for tile in s.tiles]
    body = [[place.name] + [_text(_rate_of(tile, index, s)) for tile in s.tiles] for index, place in enumerate(places)]
    first = 0.16
    rest = (1 - first) / len(s.tiles)
    deck.table(slide, [header, *body], MARGIN, Inches(5.25), SLIDE_W - 2 * MARGIN, [first] + [rest] * len(s.tiles),
               size=12, row_height=0.36)


def _estimate(rate: Rate | None) -> float | None:
    return rate.estimate if rate is not None else None


def _flag(rate: Rate | None) -> str:
    return rate.flag if rate is not None else "missing"


def _text(rate: Rate | None) -> str:
    return rate.text if rate is not None else "—"


def _rate_of(tile: Tile, index: int, summary: ForumSummary) -> Rate | None:
    if index == 0:
        return tile.rate
    return tile.district if summary.district is not None and index == 1 else tile.city


def _case_rate_of(figure: CaseFigure, index: int, summary: ForumSummary) -> Rate | None:
    if index == 0:
        return figure.rate
    return figure.district if summary.district is not None and index == 1 else figure.city


def _cases_slide(deck: _Deck) -> None:
    s = deck.summary
    if not s.cases:
        return
    notes = "\n".join(f"{f.label}: {f.sentence} " + " · ".join(
        f"{r.name} {r.text}" for r in (f.district, f.city) if r is not None) for f in s.cases)
    slide = deck.slide(t("forum.report.cases", s.lang), notes)
    count = len(s.cases)
    gap = Inches(0.25)
    width = int((SLIDE_W - 2 * MARGIN - gap * (count - 1)) / count)
    for index, figure in enumerate(s.cases):
        deck.tile(slide, MARGIN + index * (width + gap), Inches(1.5), width, Inches(2.6), figure.label,
                  figure.rate, [(figure.sentence, 13, False, MUTED)])
    series = [(place.name, [_estimate(_case_rate_of(f, index, s)) for f in s.cases],
               [_flag(_case_rate_of(f, index, s)) for f in s.cases]) for index, place in enumerate(_places(s))]
    if _has_caution(series):
        deck.caution_note(slide, MARGIN, SLIDE_H - Inches(0.8), SLIDE_W - 2 * MARGIN)
    deck.column_chart(slide, [f.label for f in s.cases], series, MARGIN, Inches(4.25), SLIDE_W - 2 * MARGIN,
                      Inches(2.75))


def _actions_slides(deck: _Deck) -> None:
    s = deck.summary
    if not s.actions:
        return
    lang = s.lang
    header = [t("forum.col.concern", lang), t("forum.col.action", lang), t("forum.col.status", lang)]
    for start in range(0, len(s.actions), ACTION_ROWS_PER_SLIDE):
        chunk = s.actions[start:start + ACTION_ROWS_PER_SLIDE]
        notes = "\n".join(f"{a.concern_text} → {a.action} ({a.status_label})" for a in chunk)
        title = t("forum.report.actions" if start == 0 else "forum.report.actions_more", lang)
        slide = deck.slide(title, notes)
        rows = [header] + [[a.concern_text, a.action, a.status_label] for a in chunk]
        deck.table(slide, rows, MARGIN, Inches(1.5), SLIDE_W - 2 * MARGIN, [0.38, 0.47, 0.15], size=16,
                   row_height=0.75)


def _benchmark_slide(deck: _Deck) -> None:
    """Our city beside the chosen published figures: a table with the source of each (no arrow, no test)."""
    s = deck.summary
    if s.benchmark is None:
        return
    lang, b = s.lang, s.benchmark
    slide = deck.slide(t("published.report.title", lang, area=b.area),
                       "\n".join([*(f"{line.label}: {line.sentence}" for line in b.lines), b.note]))
    header = [t("published.col.indicator", lang), b.area, t("published.col.ours", lang),
              t("published.col.interval", lang), t("published.col.source", lang)]
    rows = [header] + [[line.label, line.published, line.own, line.interval, line.source] for line in b.lines]
    deck.table(slide, rows, MARGIN, Inches(1.5), SLIDE_W - 2 * MARGIN, [0.2, 0.15, 0.13, 0.27, 0.25], size=15,
               row_height=0.6)
    deck.textbox(slide, MARGIN, SLIDE_H - Inches(1.1), SLIDE_W - 2 * MARGIN, Inches(0.6),
                 [(b.note, 14, False, MUTED)]).name = "Benchmark note"


def _assessment_slides(deck: _Deck) -> None:
    """The place's composite score and rank with their intervals, component statuses, then the formula."""
    s = deck.summary
    a = s.assessment
    if a is None:
        return
    lang = s.lang
    slide = deck.slide(t("assess.forum.title", lang, scheme=a.scheme), "\n".join([a.sentence, a.formula]))
    deck.textbox(slide, MARGIN, Inches(1.4), SLIDE_W - 2 * MARGIN, Inches(0.8),
                 [(a.sentence, 20, True, PLACE_COLORS[0])]).name = "Assessment score"
    header = [t("assess.col.component", lang), t("assess.col.value", lang), t("assess.forum.target", lang),
              t("assess.col.status", lang), t("assess.col.points", lang)]
    rows = [header] + [[c.label, c.value or t("assess.not_assessable", lang), c.target, c.status, c.points]
                       for c in a.components]
    deck.table(slide, rows, MARGIN, Inches(2.4), SLIDE_W - 2 * MARGIN, [0.3, 0.26, 0.14, 0.18, 0.12], size=13,
               row_height=0.4)
    formula = deck.slide(t("assess.forum.formula", lang), a.formula)
    deck.textbox(formula, MARGIN, Inches(1.5), SLIDE_W - 2 * MARGIN, Inches(5.4),
                 [(line.strip(), 16, False, INK) for line in a.formula.splitlines()], space_after=6).name = "Formula"


def _method_slide(deck: _Deck) -> None:
    s = deck.summary
    lines = method_lines(s, public=True)
    # The command that reproduces the figures is for the analyst presenting them: speaker notes only.
    notes = "\n".join([*method_lines(s), t("forum.report.method_command", s.lang), s.indicators_command])
    slide = deck.slide(t("forum.report.method", s.lang), notes)
    body = [("• " + line, 20, False, INK) for line in lines]
    deck.textbox(slide, MARGIN, Inches(1.6), SLIDE_W - 2 * MARGIN, Inches(4.8), body, space_after=12)


def build_pptx(summary: ForumSummary) -> bytes:
    """The forum deck as .pptx bytes: native charts and tables, titles and notes in the summary's language."""
    deck = _Deck(summary)
    _title_slide(deck)
    if summary.tiles:
        _key_figures_slide(deck)
        for tile in summary.tiles:
            _indicator_slide(deck, tile)
        _compare_slide(deck)
        _benchmark_slide(deck)
    _assessment_slides(deck)
    _cases_slide(deck)
    _actions_slides(deck)
    _method_slide(deck)
    return deck.save()


# =============================================================================================== HTML

_CSS = (f":root {{ --ink: {INK}; --muted: {MUTED}; --accent: {PLACE_COLORS[0]}; --tile: {TILE_FILL}; "
        f"--up: {UP}; --down: {DOWN}; --font: {HTML_FONTS}; }}" + """
* { box-sizing: border-box; }
body { font-family: var(--font); color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 28px 32px 48px;
       line-height: 1.45; background: #fff; }
header { border-top: 8px solid var(--accent); padding-top: 18px; margin-bottom: 8px; }
h1 { font-size: 2.3rem; margin: 0 0 6px; color: var(--accent); }
h2 { font-size: 1.55rem; margin: 34px 0 12px; color: var(--accent); border-bottom: 2px solid #dde3ea;
     padding-bottom: 4px; }
h3 { font-size: 1.15rem; margin: 0 0 4px; }
.subtitle { font-size: 1.25rem; margin: 0; }
.compared { font-size: 1.05rem; margin: 4px 0 0; }
.chain, .muted, .note { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px; }
.tile { background: var(--tile); border-radius: 12px; padding: 14px 16px; break-inside: avoid; }
.rate { font-size: 2.6rem; font-weight: 700; color: var(--accent); line-height: 1.15; margin: 2px 0 4px; }
.rate.suppressed, .rate.missing { font-size: 1.6rem; color: var(--muted); }
.interval { color: var(--muted); font-size: 0.95rem; margin: 0 0 6px; }
.change { margin: 2px 0; font-size: 0.98rem; color: var(--muted); }
.change.up { color: var(--up); font-weight: 600; }
.change.down { color: var(--down); font-weight: 600; }
.parents { font-size: 0.95rem; margin-top: 6px; }
.indicator { display: grid; grid-template-columns: 330px 1fr; gap: 18px; align-items: start;
             border-top: 1px solid #e6eaf0; padding: 16px 0; break-inside: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 1rem; margin-top: 10px; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #dde3ea; vertical-align: top; }
th { background: var(--accent); color: #fff; font-weight: 600; }
tbody tr:nth-child(even) td { background: var(--tile); }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: var(--font); }
.legend { display: flex; gap: 18px; font-size: 0.92rem; margin: 4px 0 0; flex-wrap: wrap; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 6px;
                       vertical-align: -1px; background: var(--c); border-radius: 2px; }
code { font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 0.9rem; background: var(--tile);
       padding: 2px 6px; border-radius: 4px; word-break: break-all; }
footer { margin-top: 36px; font-size: 0.85rem; color: var(--muted); }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  section { break-inside: auto; }
  .tile, .indicator, tr { break-inside: avoid; }
  .indicator { padding: 8px 0; }
  .indicator .chart svg { max-height: 68mm; width: auto; max-width: 100%; }
  section.page { break-before: page; }
}
""")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rate_html(rate: Rate, tag: str = "div", extra: str = "") -> str:
    cls = "rate" if rate.shown else f"rate {rate.flag}"
    return f'<{tag} class="{cls}"{extra}>{_e(rate.text)}</{tag}>'


def _change_html(change: Change, *, brief: bool = False) -> str:
    cls = f"change {change.status}"
    text = _change_mark(change) + (change.brief if brief else change.sentence)
    return f'<p class="{cls}" data-lag="{_e(change.lag)}">{_e(text)}</p>'


def _legend(places: Sequence[Place], band: str | None = None) -> str:
    items = "".join(f'<span style="--c:{PLACE_COLORS[i % len(PLACE_COLORS)]}">{_e(p.name)}</span>'
                    for i, p in enumerate(places))
    if band:
        items += f'<span class="band" style="--c:{PLACE_COLORS[0]}33">{_e(band)}</span>'
    return f'<div class="legend">{items}</div>'


def _svg_line(summary: ForumSummary, tile: Tile) -> str:
    """The trend as inline SVG: lines per place, the jurisdiction's interval as a band, labels on its points."""
    width, height = 720, 290
    left, right, top, bottom = 50, 40, 26, 34
    periods = summary.trend_periods
    low, high = axis_range([v for s in tile.trend for v in s.values]
                           + [v for v in tile.trend[0].ci_low + tile.trend[0].ci_high if v is not None], tile.rate)
    tick_step = (tile.rate.scale_max - tile.rate.scale_min) / 10 if tile.rate.is_mean else 0.1
    step = (width - left - right) / max(1, len(periods) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + (high - v) / (high - low) * (height - top - bottom)

    mark = t("forum.report.caution_mark", summary.lang)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(tile.label)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    ticks = [low + k * tick_step for k in range(round((high - low) / tick_step) + 1)]
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     'stroke="#e3e8ee"/>')
        parts.append(f'<text class="tick" x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="{MUTED}">{_tick_text(tick, tile.rate)}</text>')
    for i, label in enumerate(periods):
        parts.append(f'<text class="tick" x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" font-size="12" '
                     f'fill="{MUTED}">{_e(label)}</text>')
    own = tile.trend[0]
    band: list[tuple[int, float, float]] = []
    for i, (lo, hi) in enumerate(zip(own.ci_low, own.ci_high, strict=True)):
        if lo is not None and hi is not None:
            band.append((i, lo, hi))
    for run in _runs([b[0] for b in band]):
        pts = [(x(i), y(hi)) for i, _lo, hi in band if i in run] + [(x(i), y(lo)) for i, lo, _hi in reversed(band)
                                                                     if i in run]
        parts.append('<polygon fill="{}" fill-opacity="0.12" points="{}"/>'.format(
            PLACE_COLORS[0], " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)))
    for index in range(len(tile.trend) - 1, -1, -1):
        series = tile.trend[index]
        color = PLACE_COLORS[index % len(PLACE_COLORS)]
        shown = [i for i, v in enumerate(series.values) if v is not None]
        for run in _runs(shown):
            pts = " ".join(f"{x(i):.1f},{y(series.values[i]):.1f}" for i in run)  # type: ignore[arg-type]
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="{3 if index == 0 else 2}" '
                         f'points="{pts}"/>')
        caution = set(_caution_points(series.flags, series.values))
        for i in shown:
            value = series.values[i]
            assert value is not None
            text = tile.rate.format(value) + (mark if i in caution else "")
            # A caution point is hollow (white fill, coloured ring) and its label muted and marked.
            fill, ring = ((WHITE, f' stroke="{color}" stroke-width="2.2" class="caution"') if i in caution
                          else (color, ""))
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="{5 if index == 0 else 3.5}" fill="{fill}"'
                         f'{ring}><title>{_e(series.place.name)} {_e(periods[i])}: {_e(text)}</title></circle>')
            if index == 0 and (len(periods) <= MAX_LABELLED_POINTS or i == shown[-1]):
                parts.append(f'<text class="value" x="{x(i):.1f}" y="{y(value) - 10:.1f}" text-anchor="middle" '
                             f'font-size="12" font-weight="700" fill="{MUTED if i in caution else color}">'
                             f'{_e(text)}</text>')
    parts.append("</svg>")
    band_name = t("forum.report.series_interval", summary.lang, name=own.place.name, level=_level_text(summary))
    note = _caution_html(summary.lang) if any(_caution_points(x.flags, x.values) for x in tile.trend) else ""
    return "".join(parts) + _legend([s.place for s in tile.trend], band=band_name) + note


def _runs(indices: Sequence[int]) -> list[list[int]]:
    """Consecutive runs of indices (gaps where a value is suppressed or missing)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _caution_html(lang: str) -> str:
    return f'<p class="note caution-note">{_e(t("forum.report.caution_note", lang))}</p>'


def _svg_columns(categories: Sequence[str], series: Sequence[ColumnSeries], lang: str = "zh") -> str:
    """Clustered columns as inline SVG on a 0–100% axis, each bar labelled with its rate (rates only); a caution
    value's bar is hollow and its label marked, a suppressed value has no bar."""
    width, height = 1100, 330
    left, right, top, bottom = 50, 10, 24, 46
    group = (width - left - right) / max(1, len(categories))
    bar = min(46.0, group * 0.8 / max(1, len(series)))

    def y(v: float) -> float:
        return top + (1 - v) * (height - top - bottom)

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for k in range(6):
        tick = k / 5
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e8ee"/>')
        parts.append(f'<text class="tick" x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="{MUTED}">{round(100 * tick)}%</text>')
    for c, category in enumerate(categories):
        x0 = left + c * group + (group - bar * len(series)) / 2
        for s, (name, values, flags) in enumerate(series):
            value = values[c]
            if value is None:
                continue
            color = PLACE_COLORS[s % len(PLACE_COLORS)]
            bx = x0 + s * bar
            caution = flags[c] == CAUTION
            text = pct(value) + (t("forum.report.caution_mark", lang) if caution else "")
            fill = (f'fill="{WHITE}" stroke="{color}" stroke-width="2" class="caution"' if caution
                    else f'fill="{color}"')
            parts.append(f'<rect x="{bx + 2:.1f}" y="{y(value):.1f}" width="{bar - 4:.1f}" '
                         f'height="{y(0) - y(value):.1f}" {fill}><title>{_e(name)}: {_e(text)}'
                         f'</title></rect>')
            parts.append(f'<text class="value" x="{bx + bar / 2:.1f}" y="{y(value) - 5:.1f}" text-anchor="middle" '
                         f'font-size="11" fill="{MUTED if caution else INK}">{_e(text)}</text>')
        parts.append(f'<text class="category" x="{left + c * group + group / 2:.1f}" y="{height - 18}" '
                     f'text-anchor="middle" font-size="13" fill="{INK}">{_e(category)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tile_html(summary: ForumSummary, tile: Tile) -> str:
    change = tile.headline_change
    body = [f'<div class="tile" data-indicator="{_e(tile.indicator)}">', f"<h3>{_e(tile.label)}</h3>",
            _rate_html(tile.rate)]
    if not tile.rate.shown:
        body.append(f'<p class="interval">{_e(tile.interval_sentence)}</p>')
    elif change is not None:
        body.append(_change_html(change, brief=True))
    body.append("</div>")
    return "".join(body)


def _indicator_html(summary: ForumSummary, tile: Tile) -> str:
    parents = [p for p in (tile.district, tile.city) if p is not None]
    left = [f"<h3>{_e(tile.label)}</h3>", _rate_html(tile.rate),
            f'<p class="interval">{_e(tile.interval_sentence)}</p>',
            *(_change_html(c) for c in (tile.changes if tile.rate.shown else ()))]
    if parents:
        left.append('<p class="parents">' + " · ".join(
            f'{_e(p.name)} <b data-place="{_e(p.jurisdiction)}">{_e(p.text)}</b>' for p in parents) + "</p>")
    left.append(f'<p class="note">{_e(tile.description)}</p>')
    return (f'<div class="indicator" data-indicator="{_e(tile.indicator)}"><div>{"".join(left)}</div>'
            f'<div class="chart">{_svg_line(summary, tile)}</div></div>')


def _compare_html(summary: ForumSummary) -> str:
    places = _places(summary)
    if len(places) < 2 or not summary.tiles:
        return ""
    lang = summary.lang
    rates = [tile for tile in summary.tiles if not tile.rate.is_mean]  # a mean cannot share the 0–100% axis
    series = [(p.name, [_estimate(_rate_of(tile, i, summary)) for tile in rates],
               [_flag(_rate_of(tile, i, summary)) for tile in rates]) for i, p in enumerate(places)]
    head = "".join(f"<th>{_e(tile.label)}</th>" for tile in summary.tiles)
    rows = []
    for i, place in enumerate(places):
        cells = []
        for tile in summary.tiles:
            text = _text(_rate_of(tile, i, summary))
            cells.append(f'<td data-place="{_e(place.code)}" data-indicator="{_e(tile.indicator)}">{_e(text)}</td>')
        rows.append(f"<tr><th scope=\"row\">{_e(place.name)}</th>{''.join(cells)}</tr>")
    title = t("forum.report.compare" if summary.district is not None else "forum.report.compare_city", lang)
    return (f'<section id="compare"><h2>{_e(title)}</h2>{_legend(places)}'
            f"{_svg_columns([tile.label for tile in rates], series, lang) if rates else ''}"
            f"{_caution_html(lang) if rates and _has_caution(series) else ''}"
            f'<table class="compare"><thead><tr><th>{_e(t("col.jurisdiction", lang))}</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _benchmark_html(summary: ForumSummary) -> str:
    b = summary.benchmark
    if b is None:
        return ""
    lang = summary.lang
    head = "".join(f"<th>{_e(h)}</th>" for h in (t("published.col.indicator", lang), b.area,
                                                  t("published.col.ours", lang), t("published.col.interval", lang),
                                                  t("published.col.source", lang)))
    rows = "".join(f'<tr data-indicator="{_e(line.indicator)}"><td>{_e(line.label)}</td>'
                   f'<td class="published">{_e(line.published)}</td><td>{_e(line.own)}</td>'
                   f"<td>{_e(line.interval)}</td><td>{_e(line.source)}</td></tr>" for line in b.lines)
    sentences = "".join(f"<li>{_e(line.label)}: {_e(line.sentence)}</li>" for line in b.lines)
    return (f'<section id="benchmark"><h2>{_e(t("published.report.title", lang, area=b.area))}</h2>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table><ul>{sentences}</ul>"
            f'<p class="note">{_e(b.note)}</p></section>')


def _assessment_html(summary: ForumSummary) -> str:
    a = summary.assessment
    if a is None:
        return ""
    lang = summary.lang
    head = "".join(f"<th>{_e(t(k, lang))}</th>" for k in ("assess.col.component", "assess.col.value",
                                                          "assess.forum.target", "assess.col.status",
                                                          "assess.col.points"))
    rows = "".join(f'<tr data-status="{_e(c.status_key)}"><td>{_e(c.label)}</td>'
                   f'<td>{_e(c.value or t("assess.not_assessable", lang))}</td><td>{_e(c.target)}</td>'
                   f"<td>{_e(c.status)}</td><td>{_e(c.points)}</td></tr>" for c in a.components)
    formula = "<br>".join(_e(line.strip()) for line in a.formula.splitlines())
    return (f'<section id="assessment"><h2>{_e(t("assess.forum.title", lang, scheme=a.scheme))}</h2>'
            f'<p class="score" data-score="{_e(a.score)}" data-rank="{_e(a.rank)}"><b>{_e(a.sentence)}</b></p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            f'<h3>{_e(t("assess.forum.formula", lang))}</h3><p class="note">{formula}</p></section>')


def _cases_html(summary: ForumSummary) -> str:
    if not summary.cases:
        return ""
    tiles = []
    for figure in summary.cases:
        parents = " · ".join(f'{_e(r.name)} <b data-place="{_e(r.jurisdiction)}">{_e(r.text)}</b>'
                             for r in (figure.district, figure.city) if r is not None)
        tiles.append(f'<div class="tile" data-metric="{_e(figure.metric)}"><h3>{_e(figure.label)}</h3>'
                     f'{_rate_html(figure.rate)}<p class="interval">{_e(figure.sentence)}</p>'
                     f'<p class="parents">{parents}</p></div>')
    return (f'<section id="cases"><h2>{_e(t("forum.report.cases", summary.lang))}</h2>'
            f'<div class="tiles">{"".join(tiles)}</div></section>')


def _actions_html(summary: ForumSummary) -> str:
    if not summary.actions:
        return ""
    lang = summary.lang
    rows = "".join(f'<tr data-action="{a.action_id}"><td>{_e(a.concern_text)}</td><td>{_e(a.action)}</td>'
                   f'<td>{_e(a.status_label)}</td></tr>' for a in summary.actions)
    return (f'<section id="actions"><h2>{_e(t("forum.report.actions", lang))}</h2><table class="actions"><thead><tr>'
            f'<th>{_e(t("forum.col.concern", lang))}</th><th>{_e(t("forum.col.action", lang))}</th>'
            f'<th>{_e(t("forum.col.status", lang))}</th></tr></thead><tbody>{rows}</tbody></table></section>')


def build_html(summary: ForumSummary) -> str:
    """The forum report as one self-contained, printable HTML document (inline CSS and SVG, no script)."""
    lang = summary.lang
    chain = " › ".join(p.name for p in reversed(_places(summary)))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # For the analyst (like a slide's speaker notes): the data version and the command reproducing the
        # figures travel in the file's metadata, not in the text residents read.
        f'<meta name="jingmin-data-version" content="{_e(summary.data_version)}">',
        f'<meta name="jingmin-reproduce" content="{_e(summary.indicators_command)}">',
        f"<title>{_e(summary.title)} · {_e(summary.period_name)}</title><style>{_CSS}</style></head><body>",
        f'<header><h1>{_e(summary.title)}</h1><p class="subtitle">{_e(summary.subtitle)}</p>'
        + (f'<p class="compared">{_e(summary.compared)}</p>' if summary.compared else "")
        + f'<p class="chain">{_e(chain)}</p></header>',
    ]
    if summary.tiles:
        parts.append(f'<section id="key-figures"><h2>{_e(t("forum.report.key_figures", lang))}</h2>'
                     f'<div class="tiles">{"".join(_tile_html(summary, tile) for tile in summary.tiles)}</div>'
                     "</section>")
        parts.append(_compare_html(summary))
        parts.append(_benchmark_html(summary))
        trend = trend_title(summary)
        parts.append(f'<section id="indicators" class="page"><h2>{_e(trend)}</h2>'
                     f'{"".join(_indicator_html(summary, tile) for tile in summary.tiles)}</section>')
    parts.append(_assessment_html(summary))
    parts.append(_cases_html(summary))
    parts.append(_actions_html(summary))
    method = "".join(f"<li>{_e(line)}</li>" for line in method_lines(summary, public=True))
    parts.append(f'<section id="method"><h2>{_e(t("forum.report.method", lang))}</h2><ul>{method}</ul></section>')
    parts.append(f'<footer>{_e(t("forum.report.footer_public", lang))}</footer>')
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def render(summary: ForumSummary, fmt: str) -> bytes:
    """The report in ``fmt`` ('pptx' or 'html') as bytes (HTML is UTF-8)."""
    if fmt == "pptx":
        return build_pptx(summary)
    if fmt == "html":
        return build_html(summary).encode("utf-8")
    raise UnknownNameError(f"Unknown report format {fmt!r}; use pptx or html.")

