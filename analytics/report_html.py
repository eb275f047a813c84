"""The forum report as one self-contained HTML page for residents: inline CSS and inline SVG charts, no script
and no external resource, so it opens offline and prints (``@media print``, A4 landscape).

Every text from the database is escaped with :func:`html.escape`. The data version and the command reproducing the
figures travel in the page's ``<meta>`` tags, not in the text residents read. Everything shown comes from the
:class:`analytics.forum.ForumSummary` (see :mod:`analytics.report`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from analytics.forum import Change, ForumSummary, Place, Rate, Tile
from analytics.i18n import t
from analytics.periods import WAVE_KIND
from analytics.presentation import pct
from analytics.report_common import (
    CAUTION,
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
    level_text,
    method_lines,
    places_of,
    rate_of,
    text_of,
)

HTML_FONTS = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", system-ui, sans-serif'


def _tick_text(value: float, rate: Rate) -> str:
    """An axis tick of the SVG charts: '60%' for a rate, '6' for a mean score."""
    return f"{value:g}" if rate.is_mean else f"{round(100 * value)}%"


def trend_title(summary: ForumSummary) -> str:
    """The trend section's heading: 'The last 8 periods', or for survey waves 'The last 3 survey waves'."""
    key = "forum.report.trend_wave" if summary.period_kind == WAVE_KIND else "forum.report.trend"
    return t(key, summary.lang, count=len(summary.trend_periods))


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
    text = change_mark(change) + (change.brief if brief else change.sentence)
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
        caution = set(caution_points(series.flags, series.values))
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
    band_name = t("forum.report.series_interval", summary.lang, name=own.place.name, level=level_text(summary))
    note = _caution_html(summary.lang) if any(caution_points(x.flags, x.values) for x in tile.trend) else ""
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
    places = places_of(summary)
    if len(places) < 2 or not summary.tiles:
        return ""
    lang = summary.lang
    rates = [tile for tile in summary.tiles if not tile.rate.is_mean]  # a mean cannot share the 0–100% axis
    series = [(p.name, [estimate_of(rate_of(tile, i, summary)) for tile in rates],
               [flag_of(rate_of(tile, i, summary)) for tile in rates]) for i, p in enumerate(places)]
    head = "".join(f"<th>{_e(tile.label)}</th>" for tile in summary.tiles)
    rows = []
    for i, place in enumerate(places):
        cells = []
        for tile in summary.tiles:
            text = text_of(rate_of(tile, i, summary))
            cells.append(f'<td data-place="{_e(place.code)}" data-indicator="{_e(tile.indicator)}">{_e(text)}</td>')
        rows.append(f"<tr><th scope=\"row\">{_e(place.name)}</th>{''.join(cells)}</tr>")
    title = t("forum.report.compare" if summary.district is not None else "forum.report.compare_city", lang)
    return (f'<section id="compare"><h2>{_e(title)}</h2>{_legend(places)}'
            f"{_svg_columns([tile.label for tile in rates], series, lang) if rates else ''}"
            f"{_caution_html(lang) if rates and has_caution(series) else ''}"
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
    chain = " › ".join(p.name for p in reversed(places_of(summary)))
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

