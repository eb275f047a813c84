"""Trends: one chart per indicator, lines with interval bands, several jurisdictions at once."""

import plotly.graph_objects as go
import streamlit as st

from analytics.presentation import jurisdiction_name
from pages import common

MAX_LINES = 8

f = common.filters()
labels = common.indicator_labels()
st.title(common.tr("trends.title"))
st.caption(common.tr("trends.caption"))

table = common.indicator_table(f, changes=None)
if table.empty:
    st.info(common.tr("overview.no_rows"))
    st.stop()

names = {r["jurisdiction"]: jurisdiction_name(r, f.lang)
         for r in table.drop_duplicates("jurisdiction").to_dict("records")}
codes = list(names)
default = codes[: min(len(codes), 4)]
shown = st.multiselect(common.tr("trends.pick"), codes, default=default, max_selections=MAX_LINES,
                       format_func=names.__getitem__, key=f"trend_pick_{f.level}")
if len(codes) > MAX_LINES:
    st.caption(common.tr("trends.too_many", max=MAX_LINES))

columns = st.columns(2)
for index, (key, label) in enumerate(labels.items()):
    data = table[(table["indicator"] == key) & table["jurisdiction"].isin(shown)]
    if data.empty:
        continue
    fig = go.Figure()
    for color_index, code in enumerate(shown):
        series = data[data["jurisdiction"] == code].sort_values("period_start")
        if series.empty:
            continue
        color = common.PALETTE[color_index % len(common.PALETTE)]
        band_x = list(series["period"]) + list(series["period"])[::-1]
        band_y = list(100 * series["ci_high"]) + list(100 * series["ci_low"])[::-1]
        fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", fillcolor=color, opacity=0.15,
                                 mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
        caution = series["flag"].eq("caution")
        fig.add_trace(go.Scatter(
            x=series["period"], y=100 * series["estimate"], mode="lines+markers", name=names[code],
            line={"color": color}, connectgaps=False,
            marker={"symbol": ["circle-open" if c else "circle" for c in caution], "size": 8},
            customdata=series[["n", "ci_low", "ci_high"]].assign(ci_low=lambda d: 100 * d.ci_low,
                                                                   ci_high=lambda d: 100 * d.ci_high),
            hovertemplate="%{x}: %{y:.1f}% (%{customdata[1]:.1f}–%{customdata[2]:.1f}), n=%{customdata[0]}"
                          "<extra>" + names[code] + "</extra>"))
    fig.update_layout(title=label, yaxis_title="%", height=340, legend={"orientation": "h", "y": -0.2},
                      xaxis={"type": "category"})
    with columns[index % 2]:
        common.show_fig(fig)
