"""The forum report as a PowerPoint deck (python-pptx) with native, editable charts and tables.

16:9; one slide per topic: title, key figures, one slide per indicator with its trend as a native line chart, the
comparison with district and city as a native clustered column chart, the published benchmark and the assessment
when asked for, case work, "you said, we did", and how to read the figures. Titles, text and speaker notes are in
the summary's language; Chinese text carries an East Asian font (``a:ea``) so PowerPoint and LibreOffice pick a CJK
face. Everything shown comes from the :class:`analytics.forum.ForumSummary` (see :mod:`analytics.report`).
"""

from __future__ import annotations

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

from analytics.forum import CaseFigure, Change, ForumSummary, Rate, Tile
from analytics.i18n import t
from analytics.presentation import pct
from analytics.report_common import (
    DOWN,
    INK,
    MAX_LABELLED_POINTS,
    MUTED,
    PLACE_COLORS,
    TILE_FILL,
    UP,
    WHITE,
    ColumnSeries,
    axis_range,
    caution_points,
    change_mark,
    estimate_of,
    flag_of,
    has_caution,
    method_lines,
    places_of,
    rate_of,
    text_of,
)

FONTS = {"zh": "Microsoft YaHei", "en": "Calibri"}
ACTION_ROWS_PER_SLIDE = 6

SLIDE_W = Inches(13.333)
SLIDE_H = Inches(7.5)
MARGIN = Inches(0.5)


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _change_color(change: Change | None) -> str:
    if change is None or not change.significant:
        return MUTED
    return UP if change.status == "up" else DOWN


def _number_formats(rate: Rate) -> tuple[str, str]:
    """PowerPoint number formats (value labels, axis ticks): percent for a rate, plain points for a mean."""
    if rate.is_mean:
        digits = len(rate.format_change(0.0)) - 3  # '+0.0' -> 1 decimal, '+0.00' -> 2
        return "0." + "0" * digits, "0"
    return "0.0%", "0%"


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
            for point in caution_points(tile.trend[index].flags, tile.trend[index].values):
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
        for index in set(labelled) & set(caution_points(tile.trend[0].flags, tile.trend[0].values)):
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
            for point in caution_points(flags, values):
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
    chain = " › ".join(p.name for p in reversed(places_of(s)))
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
            line = (change_mark(change) + change.brief, 17, change.significant, _change_color(change))
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
        lines.append((change_mark(change) + change.sentence, 17, change.significant, _change_color(change)))
    parents = [p for p in (tile.district, tile.city) if p is not None]
    if parents:
        lines.append((" · ".join(f"{p.name} {p.text}" for p in parents), 15, False, INK))
    deck.textbox(slide, MARGIN, Inches(1.5), Inches(4.9), Inches(5.2), lines, space_after=10).name = "Rate"
    caution = any(caution_points(x.flags, x.values) for x in tile.trend)
    deck.line_chart(slide, tile, Inches(5.7), Inches(1.45), SLIDE_W - Inches(5.7) - MARGIN,
                    Inches(5.05 if caution else 5.5))
    if caution:
        deck.caution_note(slide, Inches(5.7), Inches(6.5), SLIDE_W - Inches(5.7) - MARGIN)


def _compare_slide(deck: _Deck) -> None:
    s = deck.summary
    places = places_of(s)
    if len(places) < 2:
        return
    # Rates share one 0–100% axis; a mean score (e.g. 0–10) cannot, so it is in the table below only.
    rates = [tile for tile in s.tiles if not tile.rate.is_mean]
    series = [(place.name, [estimate_of(rate_of(tile, index, s)) for tile in rates],
               [flag_of(rate_of(tile, index, s)) for tile in rates]) for index, place in enumerate(places)]
    title = t("forum.report.compare" if s.district is not None else "forum.report.compare_city", s.lang)
    notes = "\n".join(f"{tile.label}: " + " · ".join(f"{r.name} {r.text}" for r in (tile.rate, tile.district, tile.city)
                                                     if r is not None) for tile in s.tiles)
    slide = deck.slide(title, notes)
    if rates:
        deck.column_chart(slide, [tile.label for tile in rates], series, MARGIN, Inches(1.4),
                          SLIDE_W - 2 * MARGIN, Inches(3.75))
        if has_caution(series):
            deck.caution_note(slide, MARGIN, Inches(5.0), SLIDE_W - 2 * MARGIN)
    header = [t("col.jurisdiction", s.lang)] + [tile.label for tile in s.tiles]
    body = [[place.name] + [text_of(rate_of(tile, index, s)) for tile in s.tiles] for index, place in enumerate(places)]
    first = 0.16
    rest = (1 - first) / len(s.tiles)
    deck.table(slide, [header, *body], MARGIN, Inches(5.25), SLIDE_W - 2 * MARGIN, [first] + [rest] * len(s.tiles),
               size=12, row_height=0.36)


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
    series = [(place.name, [estimate_of(_case_rate_of(f, index, s)) for f in s.cases],
               [flag_of(_case_rate_of(f, index, s)) for f in s.cases]) for index, place in enumerate(places_of(s))]
    if has_caution(series):
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
