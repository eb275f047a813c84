"""Trends: one chart per indicator, lines with interval bands, several jurisdictions at once."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import trends
from analytics.presentation import change_cell, jurisdiction_name, mean_digits, p_text, signed
from analytics.selection import Selection
from app_pages import common

MAX_LINES = 8
# Chart sets kept (each a few figures of a few hundred points): sessions with other choices share the rest.
FIGURE_CACHE_ENTRIES = 64
BREAK_COLOUR = "#8d96a3"


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def mode_break_table(version: str, sel: Selection) -> pd.DataFrame:
    """Survey-mode changes per indicator and jurisdiction shown (cached per data version and selection)."""
    return trends.mode_breaks(common.cursor(), sel)


def mode_text(modes: str) -> str:
    """'phone+sms' in the chosen language."""
    return "+".join(common.tr(f"compare.mode.{m}") if m in trends.MODE_NAMES else m for m in modes.split("+"))


def add_published(fig: go.Figure, data: pd.DataFrame, key: str, factor: float, mean: bool, digits: int) -> bool:
    """Draw the chosen published series of indicator ``key`` beside our own lines: dashed, open diamonds, named
    '(published: source)'; a band only where the figure has an interval (never for a figure without a base).
    Returns whether anything was drawn."""
    drawn = False
    periods = dict(zip(data["period"], data["period_start"], strict=False))
    for index, pick in enumerate(pub_shown):
        series = common.published_series(pub_all, pick)
        series = series[(series["indicator"] == key) & series["value"].notna()].sort_values("period_end")
        # a mean score is drawn only beside our own mean on the same scale; a rate only beside a rate
        series = series[series["value_kind"].eq("mean" if mean else "proportion")]
        if mean and not series.empty and not series["scale_max"].eq(float(data["scale_max"].iloc[0])).all():
            continue
        if series.empty:
            continue
        color = common.PALETTE[(index + 4) % len(common.PALETTE)]
        banded = series[series["interval"] != "none"]
        for r in banded.to_dict("records"):
            fig.add_trace(go.Scatter(x=[r["period"], r["period"]], y=[factor * r["ci_low"], factor * r["ci_high"]],
                                     mode="lines", line={"color": color, "width": 6}, opacity=0.25,
                                     hoverinfo="skip", showlegend=False))
        # chart text is escaped by common.show_fig (markdown escaping would show its backslashes)
        name = common.tr("published.series", name=pub_options[pick], source=series["source"].iloc[0])
        fig.add_trace(go.Scatter(
            x=series["period"], y=factor * series["value"], mode="lines+markers", name=name,
            line={"color": color, "dash": "dash"}, marker={"symbol": "diamond-open", "size": 9},
            customdata=series[["shown", "source"]],
            hovertemplate="%{x}: %{customdata[0]} (" + common.tr("published.label") + ", %{customdata[1]})"
                          "<extra>%{fullData.name}</extra>"))
        periods.update(zip(series["period"], series["period_end"], strict=False))
        drawn = True
    if drawn:
        fig.update_xaxes(categoryorder="array", categoryarray=sorted(periods, key=lambda p: pd.Timestamp(periods[p])))
    return drawn


f = common.filters()
lang = common.lang()
labels = common.indicator_labels()
st.title(common.tr("trends.title"))
st.caption(common.tr("trends.caption"))

# With the change of each point by the sidebar's comparison rule (shown on hover, said in words below).
table = common.indicator_table(f)
if table.empty:
    st.info(common.tr("overview.no_rows"))
    st.stop()

names = {r["jurisdiction"]: jurisdiction_name(r, lang)
         for r in table.drop_duplicates("jurisdiction").to_dict("records")}
codes = list(names)
default = codes[: min(len(codes), 4)]
shown = st.multiselect(common.tr("trends.pick"), codes, default=default, max_selections=MAX_LINES,
                       format_func=names.__getitem__, key=common.carried(f"trend_pick_{f.level}"))
if len(codes) > MAX_LINES:
    st.caption(common.tr("trends.too_many", max=MAX_LINES))

pub_all = common.published_figures(f)
pub_all = pub_all[pub_all["indicator"].notna()]
pub_options = common.published_area_options(pub_all)
pub_shown = st.multiselect(common.tr("published.trends_pick"), list(pub_options),
                           default=list(pub_options)[:2],
                           format_func=pub_options.__getitem__,
                           key=common.carried("trend_published")) if pub_options else []

breaks_all = mode_break_table(common.data_version(), f.with_(jurisdiction_codes=tuple(shown)))
vs_words = {p: common.compared_with(f, p) for p in f.periods}


@dataclass(frozen=True)
class LineNumbers:
    """One jurisdiction's series on one chart, ready to draw (plain lists: nothing left to compute per run)."""

    code: str
    color: str
    x: list[str]
    y: np.ndarray  # estimate × factor (percent for a rate), float64
    band_y: list[float]  # ci_high along x, then ci_low back (one filled polygon)
    symbols: list[str]  # open circle where the estimate is flagged 'caution'
    hover: list[list[Any]]  # n, ci_low × factor, ci_high × factor per point
    changes: list[str | None]  # change cell per point (None: no change to show)


@dataclass(frozen=True)
class ChartNumbers:
    """What one indicator's chart shows, in no particular language (names and words are added per language)."""

    index: int
    key: str
    mean: bool
    factor: float
    digits: int
    unit: str
    axis: list[str]  # the periods in order
    lines: list[LineNumbers]
    breaks: dict[float, set[tuple[str, str]]]  # axis position -> (modes before, modes after)
    tests: list[dict[str, Any]]  # trends.trend_tests rows (empty for rolling windows or one period)
    hidden: list[tuple[str, list[str]]]  # jurisdiction -> its suppressed periods
    data: pd.DataFrame  # this indicator's rows (read only: shared by every session)


def chart_numbers(index: int, key: str, data: pd.DataFrame, lines: tuple[str, ...],
                  breaks: pd.DataFrame) -> ChartNumbers:
    """The numbers of indicator ``key``'s chart from its rows ``data`` (the jurisdictions ``lines``)."""
    # A rate is drawn in percent; a mean score on its own scale (e.g. 0–10), never as a percentage.
    mean = bool(data["kind"].eq("mean").any())
    factor = 1.0 if mean else 100.0
    ordered = data.sort_values("period_start", kind="stable")
    codes = ordered["jurisdiction"].to_numpy(object)
    columns = {name: ordered[name].to_numpy(object) for name in ("period", "flag", "n")}
    estimate = ordered["estimate"].to_numpy(np.float64, na_value=np.nan)
    low = factor * ordered["ci_low"].to_numpy(np.float64, na_value=np.nan)
    high = factor * ordered["ci_high"].to_numpy(np.float64, na_value=np.nan)
    change = ordered["change"].to_numpy(np.float64, na_value=np.nan)
    # change_cell reads a change's kind, scale and direction: only those columns, only rows with a change
    needed = [c for c in ("change", "direction", "kind", "scale_min", "scale_max") if c in ordered.columns]
    with_change = np.flatnonzero(~np.isnan(change))
    cells = dict(zip(with_change.tolist(), map(change_cell, ordered[needed].iloc[with_change].to_dict("records")),
                     strict=True))
    series = []
    for color_index, code in enumerate(lines):
        at = np.flatnonzero(codes == code)
        if not len(at):
            continue
        x = columns["period"][at].tolist()
        series.append(LineNumbers(
            code=code, color=common.PALETTE[color_index % len(common.PALETTE)], x=x, y=factor * estimate[at],
            band_y=high[at].tolist() + low[at][::-1].tolist(),
            symbols=["circle-open" if flag == "caution" else "circle" for flag in columns["flag"][at]],
            hover=[[n, lo, hi] for n, lo, hi in zip(columns["n"][at].tolist(), low[at].tolist(), high[at].tolist(),
                                                    strict=True)],
            changes=[cells.get(i) for i in at.tolist()]))
    axis = list(ordered["period"].drop_duplicates())
    positions: dict[float, set[tuple[str, str]]] = {}
    mine = breaks[breaks["indicator"] == key]
    for r in mine.to_dict("records"):
        position = trends.break_position(r["month_before"], r["month_after"], f.period_kind, axis)
        if position is not None and position >= 0:
            positions.setdefault(position, set()).add((r["modes_before"], r["modes_after"]))
    tests = [] if f.period_kind == "rolling12" or len(axis) < 2 else \
        trends.trend_tests(data, breaks=mine).to_dict("records")
    suppressed = ordered[ordered["flag"].eq("suppressed")]
    hidden = [(code, list(rows["period"])) for code, rows in suppressed.groupby("jurisdiction")]
    return ChartNumbers(index=index, key=key, mean=mean, factor=factor,
                        digits=mean_digits(data.iloc[0]) if mean else 1,
                        unit=str(data["unit"].iloc[0]) if mean else "%", axis=axis, lines=series,
                        breaks=positions, tests=tests, hidden=hidden, data=data)


@st.cache_resource(show_spinner=False, max_entries=FIGURE_CACHE_ENTRIES)
def trend_numbers(version: str, sel_key: str, lines: tuple[str, ...], _sel: Selection) -> list[ChartNumbers]:
    """The numbers of every chart for these choices, in no language: a language switch only redraws.

    Keyed like :func:`trend_charts` without the language (the table and the breaks follow from the data
    version and the selection with its user). Shared by every session and only read.
    """
    picked = table[table["jurisdiction"].isin(lines)]
    parts = dict(tuple(picked.groupby("indicator", sort=False)))
    return [chart_numbers(index, key, parts[key], lines, breaks_all)
            for index, key in enumerate(labels) if key in parts]


def notes_for(chart: ChartNumbers) -> list[str]:
    """Captions under a chart in the chosen language: mode breaks, trend tests, suppressed periods."""
    separator = "；" if lang == "zh" else "; "
    notes = []
    if chart.breaks:
        texts = {common.tr("compare.trends.mode_break", before=mode_text(before), after=mode_text(after))
                 for pairs in chart.breaks.values() for before, after in pairs}
        notes.append(common.tr("compare.trends.breaks", items=separator.join(sorted(texts))))
    if f.period_kind == "rolling12":
        notes.append(common.tr("compare.trends.rolling"))
    elif len(chart.axis) > 1:
        items = []
        for r in chart.tests:
            name = common.plain(names[r["jurisdiction"]])
            if r["direction"]:
                text = common.tr(f"compare.trends.{r['direction']}", name=name, slope=signed(100 * r["slope"]),
                                 p=p_text(r["p_adjusted"], relation=True))
            elif pd.isna(r["z"]):
                text = common.tr("compare.trends.untestable", name=name)
            else:
                text = common.tr("compare.trends.flat", name=name)
            if r["mode_break"]:
                text += common.tr("compare.trends.spans_break")
            items.append(text)
        notes.append(common.tr("compare.trends.test", items=separator.join(items)))
    if chart.hidden:
        listed = [f"{common.plain(names[code])}: {', '.join(periods)}" for code, periods in chart.hidden]
        notes.append(common.tr("compare.trends.suppressed", items=separator.join(listed)))
    return notes


def figure_for(chart: ChartNumbers, title: str) -> go.Figure:
    """The chart of ``chart`` in the chosen language: two traces per jurisdiction (the interval band as one
    filled polygon, the line), never one per point.

    Built from plain values without plotly's per-property validation (``_validate=False``), which was most
    of the time of a build: tests/app/test_trends_cache.py checks that every chart is a valid figure and
    serialises the same when plotly validates it.
    """
    none = common.tr("change.none")
    percent = "" if chart.mean else "%"
    digits = chart.digits
    hovertemplate = (f"%{{x}}: %{{y:.{digits}f}}{percent} "
                     f"(%{{customdata[1]:.{digits}f}}–%{{customdata[2]:.{digits}f}}), n=%{{customdata[0]}}"
                     "<br>%{customdata[3]}<extra>%{fullData.name}</extra>")
    traces: list[dict[str, Any]] = []
    for line in chart.lines:
        traces.append({"fill": "toself", "fillcolor": line.color, "hoverinfo": "skip", "line": {"width": 0},
                       "mode": "lines", "opacity": 0.15, "showlegend": False, "x": line.x + line.x[::-1],
                       "y": line.band_y, "type": "scatter"})
        words = ["" if cell is None else f"{vs_words.get(period, '')}: {cell or none}"
                 for period, cell in zip(line.x, line.changes, strict=True)]
        traces.append({"connectgaps": False,
                       "customdata": [[*point, word] for point, word in zip(line.hover, words, strict=True)],
                       "hovertemplate": hovertemplate, "line": {"color": line.color},
                       "marker": {"size": 8, "symbol": line.symbols}, "mode": "lines+markers",
                       "name": names[line.code], "x": line.x, "y": line.y, "type": "scatter"})
    shapes = [{"line": {"color": BREAK_COLOUR, "dash": "dot", "width": 1.5}, "type": "line", "x0": position,
               "x1": position, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"} for position in sorted(chart.breaks)]
    layout: dict[str, Any] = {
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": common.period_axis(chart.axis),
        "title": {"text": title}, "yaxis": {"title": {"text": chart.unit}}, "height": 340,
    }
    if shapes:
        layout["shapes"] = shapes
    return go.Figure(data=traces, layout=layout, _validate=False)


@st.cache_resource(show_spinner=False, max_entries=FIGURE_CACHE_ENTRIES)
def trend_charts(version: str, sel_key: str, language: str, lines: tuple[str, ...], published: tuple[str, ...],
                 _sel: Selection) -> list[tuple[int, go.Figure, list[str]]]:
    """(position, figure, notes) per indicator for these choices, built once per data version and choices.

    The arguments are everything the charts are drawn from (the table, names, breaks, comparison words and
    published figures follow from the data version, the selection with its user, the language and the
    picked lines and series). Shared by every session without a copy: the figures are prepared here and
    only read afterwards. The numbers come from :func:`trend_numbers`, which a language switch reuses.
    """
    charts = []
    for chart in trend_numbers(version, sel_key, lines, _sel):
        fig = figure_for(chart, labels[chart.key])
        notes = notes_for(chart)
        if add_published(fig, chart.data, chart.key, chart.factor, chart.mean, chart.digits):
            notes.append(common.tr("published.trends_note"))
        charts.append((chart.index, common.prepare_fig(fig), notes))
    return charts

columns = st.columns(2)
charts = trend_charts(common.data_version(), repr(f), lang, tuple(shown), tuple(pub_shown), f)
for index, fig, notes in charts:
    with columns[index % 2]:
        common.draw_fig(fig)
        for note in notes:
            st.caption(note)
