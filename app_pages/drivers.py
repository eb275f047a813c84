"""Drivers: relative importance of service aspects for overall satisfaction, and what to improve first."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import drivers
from analytics.errors import JingminError
from analytics.selection import Selection
from app_pages import common

QUADRANT_COLORS = {"improve_first": common.PALETTE[1], "keep_up": common.PALETTE[4],
                   "low_priority": common.PALETTE[5], "possible_overkill": common.PALETTE[3], "": common.PALETTE[5]}


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def driver_table(version: str, sel: Selection, indicator: str, by: str | None, method: str) -> pd.DataFrame:
    """The key-driver table: respondents interviewed within the chosen periods' span (cached per selection)."""
    return drivers.key_drivers(common.cursor(), sel, indicator=indicator, by=by, method=method)


f = common.filters()
lang = common.lang()
tr = common.tr
st.title(tr("drivers.title"))
st.caption(tr("drivers.caption"))
version = common.data_version()
indicator_labels = common.indicator_labels()
if not indicator_labels or not f.periods:
    st.info(tr("sidebar.no_data"))
    st.stop()

c1, c2, c3 = st.columns(3)
indicators = list(indicator_labels)
indicator = c1.selectbox(tr("drivers.outcome"), indicators,
                         index=indicators.index("satisfaction") if "satisfaction" in indicators else 0,
                         format_func=indicator_labels.__getitem__, key=common.carried("drivers_outcome"))
split_names = {"all": tr("drivers.split_all"), "district": tr("drivers.split_district")}
split = c2.radio(tr("drivers.split"), list(split_names), horizontal=True, key=common.carried("drivers_split"),
                 format_func=split_names.__getitem__)
method_names = {m: tr(f"drivers.method_{m}") for m in drivers.METHODS}
method = c3.selectbox(tr("drivers.method"), list(drivers.METHODS), key=common.carried("drivers_method"),
                      format_func=method_names.__getitem__)

try:
    table = driver_table(version, f, indicator, None if split == "all" else "district", method)
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if table.empty:
    st.info(tr("drivers.no_data"))
    st.stop()

groups = list(dict.fromkeys(table["group"]))
group_names = {g: (table.loc[table["group"] == g, "name_zh" if lang == "zh" else "name_en"].iloc[0] or g)
               for g in groups}
group = st.selectbox(tr("drivers.group"), groups, format_func=group_names.__getitem__,
                     key=common.carried(f"drivers_group_{split}")) if len(groups) > 1 else groups[0]
data = table[table["group"] == group].sort_values("rank")
label_col = "label_zh" if lang == "zh" else "label_en"
first = data.iloc[0]
if first["flag"] == "suppressed":
    st.info(tr("drivers.suppressed", group=common.plain(group_names[group])))
    st.stop()
st.caption(tr("drivers.r2", group=common.plain(group_names[group]), n=int(first["n"]), r2=f"{first['r2']:.2f}"))

left, right = st.columns(2)
with left:
    fig = go.Figure(go.Bar(
        y=data[label_col], x=100 * data["share"], orientation="h", marker={"color": common.PALETTE[0]},
        error_x={"type": "data", "symmetric": False, "array": 100 * (data["share_high"] - data["share"]),
                 "arrayminus": 100 * (data["share"] - data["share_low"])},
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    fig.update_layout(title=tr("drivers.importance"), xaxis_title="%", yaxis={"autorange": "reversed"}, height=380)
    common.show_fig(fig)
with right:
    fig = go.Figure()
    placed = data[data["performance"].notna()]
    x_range = common.padded_range(100 * placed["performance"]) if len(placed) else None
    y_range = common.padded_range(100 * placed["share"]) if len(placed) else None
    # Half the page wide: about 380 x 230 px of plot at 1280 px; labels kept inside and apart.
    where = dict(zip(placed.index, zip(*common.label_positions(
        100 * placed["performance"], 100 * placed["share"], placed[label_col], x_range=x_range, y_range=y_range,
        width_px=380, height_px=230), strict=True), strict=True)) if len(placed) else {}
    for quadrant, rows in data.groupby("quadrant"):
        fig.add_trace(go.Scatter(
            x=100 * rows["performance"], y=100 * rows["share"], mode="markers+text", cliponaxis=False,
            text=[where.get(i, ("", ""))[1] for i in rows.index],
            textposition=[where.get(i, ("top center", ""))[0] for i in rows.index],
            name=tr(f"quadrant.{quadrant}") if quadrant else "—", customdata=rows[label_col],
            marker={"size": 13, "color": QUADRANT_COLORS.get(quadrant, common.PALETTE[5])},
            textfont={"size": common.LABEL_FONT_PX},
            hovertemplate="%{customdata}: %{x:.1f}% / %{y:.1f}%<extra></extra>"))
    if data["performance"].notna().any():
        fig.add_vline(x=100 * data["performance"].mean(), line_dash="dash", line_color=common.PALETTE[6])
    fig.add_hline(y=100 * data["share"].mean(), line_dash="dash", line_color=common.PALETTE[6])
    fig.update_layout(title=tr("drivers.ipa"), xaxis_title=tr("drivers.performance"),
                      yaxis_title=tr("drivers.importance_axis"), height=380,
                      legend={"orientation": "h", "y": -0.25})
    if x_range is not None:
        fig.update_layout(xaxis={"range": x_range}, yaxis={"range": y_range})
    common.show_fig(fig)
    hidden = sum(1 for i in placed.index if not where[i][1])
    if hidden:
        st.caption(tr("chart.labels_hidden", n=hidden))
st.caption(tr("drivers.ipa_caption"))
top = data.sort_values("priority_rank")
if top["priority"].notna().any():
    st.markdown("**" + tr("drivers.first", items=common.plain(top.iloc[0][label_col])) + "**")

st.subheader(tr("drivers.table"))
shown = table.assign(
    group_name=table["group"].map(group_names),
    share_text=[f"{100 * s:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})" if np.isfinite(s) and np.isfinite(lo) else
                (f"{100 * s:.1f}%" if np.isfinite(s) else tr("flag.suppressed_short"))
                for s, lo, hi in zip(table["share"], table["share_low"], table["share_high"], strict=True)],
    perf_text=[f"{100 * p:.1f}% n={int(n)}" if np.isfinite(p) else f"{tr('flag.suppressed_short')} (n={int(n)})"
               for p, n in zip(table["performance"], table["performance_n"], strict=True)],
    quadrant_text=[tr(f"quadrant.{q}") if q else "" for q in table["quadrant"]],
)
st.dataframe(pd.DataFrame({
    tr("drivers.col.group"): shown["group_name"],
    tr("drivers.col.item"): shown[label_col],
    tr("drivers.col.share"): shown["share_text"],
    tr("drivers.col.performance"): shown["perf_text"],
    tr("drivers.col.quadrant"): shown["quadrant_text"],
    tr("drivers.col.priority_rank"): shown["priority_rank"],
}), width="stretch", hide_index=True)
