"""Map: one indicator and period on the jurisdictions' own boundaries, coloured like the scorecard (no tile server)."""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import geo
from analytics.presentation import estimate_text, interval_text, jurisdiction_name, signed
from app_pages import common

# Same classes and colours as the Overview's heat-map; suppressed and empty areas hatched grey. Areas with an
# assessment target are coloured by its status (analytics.scorecard: colour_class), as the heat-map's cells.
FILL = {"above": "#9ecae1", "within": "#ffffff", "below": "#f4a6a0", "suppressed": "#d9d9d9",
        "no_data": "#d9d9d9", "no_reference": "#ffffff",
        "met": "#9ecae1", "likely_met": "#deebf7", "likely_missed": "#fde0dd", "missed": "#f4a6a0",
        "not_assessable": "#d9d9d9"}
HATCHED = {"suppressed", "no_data", "not_assessable"}


@st.cache_data(show_spinner=False)
def cached_boundaries(version: str, level: str) -> dict:
    """Stored shapes at ``level`` (cached per data version)."""
    return geo.boundaries(common.cursor(), level)


f = common.page_start(common.tr("map.title"))
sel = f  # the sidebar's selection
labels = common.indicator_labels()
lang = common.lang()

shapes = cached_boundaries(common.data_version(), f.level)
if not shapes:
    st.info(common.tr("map.no_boundaries", level=common.tr(f"level.{f.level}")))
    st.stop()

card = common.cached_scorecard(sel)
keys = [k for k in labels if k in set(card["indicator"])] or list(labels)
# The picker's key carries the language (common.picker): its labels follow a language switch.
key = common.picker(common.tr("map.indicator"), keys, "map_indicator", format_func=labels.__getitem__)
st.caption(common.tr("map.caption", indicator=labels[key], period=f.latest, level=common.tr(f"level.{f.level}")))
rows = {r["jurisdiction"]: r for r in card[card["indicator"] == key].to_dict("records")}
registry = common.cached_jurisdictions(common.data_version())
names = {r["code"]: jurisdiction_name({**r, "jurisdiction": r["code"]}, lang) for r in registry.to_dict("records")}
rule = common.target_rules_text(card, key, names)
if rule:
    st.caption(common.plain(common.tr("map.target_caption", indicator=labels[key], targets=rule[0])))
# Only what the user may see and chose: the scorecard's rows, or the registry's when a place has no answers.
wanted = set(rows) | (set(f.jurisdiction_codes) if f.jurisdiction_codes else set())
if not f.jurisdiction_codes:
    at_level = registry[registry["level"] == f.level]["code"]
    visible = common.visible_codes()
    wanted |= {c for c in at_level if visible is None or c in visible}
drawn = sorted((c for c in wanted if c in shapes), key=common.natural_key)

fig = go.Figure()
hover_x, hover_y, hover_text = [], [], []
for cls, colour in FILL.items():
    lons: list = []
    lats: list = []
    for code in drawn:
        row = rows.get(code)
        if (row["colour_class"] if row else "no_data") != cls:
            continue
        x, y = geo.outline(shapes[code])
        if lons:
            lons.append(None)
            lats.append(None)
        lons += x
        lats += y
    if not lons:
        continue
    fig.add_trace(go.Scatter(
        x=lons, y=lats, mode="lines", fill="toself", fillcolor=colour, line={"color": "#555555", "width": 1},
        fillpattern={"shape": "/", "fgcolor": "#888888", "bgcolor": colour} if cls in HATCHED else None,
        name=f"{common.CLASS_GLYPHS[cls]} {common.tr(f'leaders.class.{cls}')}".strip(), hoverinfo="skip",
        showlegend=True))
for code in drawn:
    row = rows.get(code)
    cx, cy = geo.centroid(shapes[code])
    hover_x.append(cx)
    hover_y.append(cy)
    if row is None or pd.isna(row["estimate"]):
        status = "suppressed" if row is not None and row["flag"] == "suppressed" else "no_data"
        hover_text.append("<br>".join(common.chart_text(
            [names.get(code, code), common.tr(f"leaders.class.{status}")]
            + ([f"n = {int(row['n'])}"] if row is not None else []))))
        continue
    change = ""
    if not pd.isna(row["change"]):
        words = common.tr(f"change.{row['direction']}" if row["direction"] in ("up", "down") else "change.none")
        scaled = row["change"] if row["kind"] == "mean" else 100 * row["change"]
        change = f"{common.tr('col.change')}: {signed(scaled)} · {words}"
    hover_text.append(common.tr("map.hover", name=common.chart_text(names.get(code, code)),
                                value=estimate_text(row),
                                interval=interval_text(row["ci_low"], row["ci_high"], row=row), n=int(row["n"]),
                                vs=common.tr(f"leaders.class.{row['colour_class']}") + (
                                    f" ({common.target_words(row)})" if row["colour_rule"] == "target" else ""),
                                change=change))
mid_lat = sum(hover_y) / len(hover_y) if hover_y else 30.0
# Each area's glyph beside its name: the class reads without the colour. Names that would overlap (many small
# or thin areas) become numbers, with the key under the map; the hover always names the area.
glyphs = [common.CLASS_GLYPHS[rows[c]["colour_class"] if c in rows else "no_data"] for c in drawn]
labels = [f"{glyph} {names.get(c, c)}".strip() for glyph, c in zip(glyphs, drawn, strict=True)]
numbered = geo.labels_collide(list(zip(hover_x, hover_y, strict=True)), labels,
                              lat_scale=1 / math.cos(math.radians(mid_lat)))
if numbered:
    labels = [f"{glyph} {number}".strip() for number, glyph in enumerate(glyphs, start=1)]
# The marker is invisible: it only catches the hover at the label's place (the glyph already marks the spot).
fig.add_trace(go.Scatter(x=hover_x, y=hover_y, mode="markers+text", marker={"size": 14, "opacity": 0},
                         text=labels, textposition="middle center", textfont={"size": 11, "color": "#333333"},
                         hoverinfo="text", showlegend=False))
fig.update_xaxes(visible=False)
# Degrees of longitude shrink with latitude: keep shapes undistorted without any map projection service.
fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)))
fig.update_layout(height=620, legend={"orientation": "h", "y": -0.02}, plot_bgcolor="#ffffff",
                  dragmode="pan")
fig = common.prepare_fig(fig)
# The hover's lines are joined by the catalog's '<br>' (markup) around escaped names: set after prepare_fig, which
# would escape the '<br>' too (the hover read "name<br>58.7%" literally).
fig.data[-1].hovertext = hover_text
common.draw_fig(fig)
if numbered:
    st.caption(common.tr("map.key", areas=" · ".join(f"{number} {names.get(c, c)}"
                                                   for number, c in enumerate(drawn, start=1))))
missing = [c for c in sorted(wanted, key=common.natural_key) if c not in shapes]
if missing:
    st.caption(common.tr("map.missing", codes=", ".join(f"{names.get(c, c)} ({c})" for c in missing)))
