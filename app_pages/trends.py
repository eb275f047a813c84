"""Trends: one chart per indicator, lines with interval bands, several jurisdictions at once."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import compare
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
    return compare.mode_breaks(common.cursor(), sel)


def mode_text(modes: str) -> str:
    """'phone+sms' in the chosen language."""
    return "+".join(common.tr(f"compare.mode.{m}") if m in compare.MODE_NAMES else m for m in modes.split("+"))


def annotate(fig: go.Figure, data: pd.DataFrame, key: str, breaks: pd.DataFrame) -> list[str]:
    """Mark survey-mode breaks on the chart; return captions: breaks, trend tests, suppressed periods."""
    separator = "；" if lang == "zh" else "; "
    periods = list(data.sort_values("period_start")["period"].drop_duplicates())
    fig.update_xaxes(categoryorder="array", categoryarray=periods)
    notes = []
    mine = breaks[breaks["indicator"] == key]
    changes: dict[float, set[str]] = {}
    for r in mine.to_dict("records"):
        position = compare.break_position(r["month_before"], r["month_after"], f.period_kind, periods)
        if position is not None and position >= 0:
            changes.setdefault(position, set()).add(common.tr("compare.trends.mode_break",
                                                              before=mode_text(r["modes_before"]),
                                                              after=mode_text(r["modes_after"])))
    for position in sorted(changes):
        fig.add_vline(x=position, line={"color": BREAK_COLOUR, "dash": "dot", "width": 1.5})
    if changes:
        notes.append(common.tr("compare.trends.breaks",
                               items=separator.join(sorted({t for texts in changes.values() for t in texts}))))
    if f.period_kind == "rolling12":
        notes.append(common.tr("compare.trends.rolling"))
    elif len(periods) > 1:
        tests = compare.trend_tests(data, breaks=mine)
        items = []
        for r in tests.to_dict("records"):
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
    hidden = data[data["flag"].eq("suppressed")].sort_values("period_start")
    if not hidden.empty:
        listed = [f"{common.plain(names[code])}: {', '.join(rows['period'])}"
                  for code, rows in hidden.groupby("jurisdiction")]
        notes.append(common.tr("compare.trends.suppressed", items=separator.join(listed)))
    return notes


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
                       format_func=names.__getitem__, key=f"trend_pick_{f.level}")
if len(codes) > MAX_LINES:
    st.caption(common.tr("trends.too_many", max=MAX_LINES))

pub_all = common.published_figures(f)
pub_all = pub_all[pub_all["indicator"].notna()]
pub_options = common.published_area_options(pub_all)
pub_shown = st.multiselect(common.tr("published.trends_pick"), list(pub_options),
                           default=list(pub_options)[:2],
                           format_func=pub_options.__getitem__, key="trend_published") if pub_options else []

breaks_all = mode_break_table(common.data_version(), f.with_(jurisdiction_codes=tuple(shown)))
vs_words = {p: common.compared_with(f, p) for p in f.periods}


@st.cache_resource(show_spinner=False, max_entries=FIGURE_CACHE_ENTRIES)
def trend_charts(version: str, sel_key: str, language: str, lines: tuple[str, ...], published: tuple[str, ...],
                 _sel: Selection) -> list[tuple[int, go.Figure, list[str]]]:
    """(position, figure, notes) per indicator for these choices, built once per data version and choices.

    The arguments are everything the charts are drawn from (the table, names, breaks, comparison words and
    published figures follow from the data version, the selection with its user, the language and the
    picked lines and series). Shared by every session without a copy: the figures are prepared here and
    only read afterwards.
    """
    charts = []
    for index, (key, label) in enumerate(labels.items()):
        data = table[(table["indicator"] == key) & table["jurisdiction"].isin(lines)]
        if data.empty:
            continue
        fig = go.Figure()
        # A rate is drawn in percent; a mean score on its own scale (e.g. 0–10), never as a percentage.
        mean = bool(data["kind"].eq("mean").any())
        factor = 1.0 if mean else 100.0
        digits = mean_digits(data.iloc[0]) if mean else 1
        unit = str(data["unit"].iloc[0]) if mean else "%"
        # Two traces per jurisdiction (the interval band as one filled polygon, the line), never one per point.
        for color_index, code in enumerate(lines):
            series = data[data["jurisdiction"] == code].sort_values("period_start")
            if series.empty:
                continue
            color = common.PALETTE[color_index % len(common.PALETTE)]
            band_x = list(series["period"]) + list(series["period"])[::-1]
            band_y = list(factor * series["ci_high"]) + list(factor * series["ci_low"])[::-1]
            fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", fillcolor=color, opacity=0.15,
                                     mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
            caution = series["flag"].eq("caution")
            fig.add_trace(go.Scatter(
                x=series["period"], y=factor * series["estimate"], mode="lines+markers", name=names[code],
                line={"color": color}, connectgaps=False,
                marker={"symbol": ["circle-open" if c else "circle" for c in caution], "size": 8},
                customdata=series[["n", "ci_low", "ci_high"]].assign(
                    ci_low=factor * series["ci_low"], ci_high=factor * series["ci_high"],
                    change=[f"{vs_words.get(r['period'], '')}: {change_cell(r) or common.tr('change.none')}"
                            if pd.notna(r["change"]) else "" for r in series.to_dict("records")]),
                hovertemplate=f"%{{x}}: %{{y:.{digits}f}}{'' if mean else '%'} "
                              f"(%{{customdata[1]:.{digits}f}}–%{{customdata[2]:.{digits}f}}), n=%{{customdata[0]}}"
                              "<br>%{customdata[3]}<extra>%{fullData.name}</extra>"))
        fig.update_layout(title=label, yaxis_title=unit, height=340, legend={"orientation": "h", "y": -0.2},
                          xaxis={"type": "category"})
        notes = annotate(fig, data, key, breaks_all)
        if add_published(fig, data, key, factor, mean, digits):
            notes.append(common.tr("published.trends_note"))
        charts.append((index, common.prepare_fig(fig), notes))
    return charts


columns = st.columns(2)
charts = trend_charts(common.data_version(), repr(f), lang, tuple(shown), tuple(pub_shown), f)
for index, fig, notes in charts:
    with columns[index % 2]:
        common.draw_fig(fig)
        for note in notes:
            st.caption(note)
