"""Breakdowns: one indicator in one jurisdiction and period by age band, sex or another grouping field, with
the gap between every two groups (BH-adjusted)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import breakdowns
from analytics.errors import JingminError
from analytics.presentation import interval_text, jurisdiction_name
from app_pages import common


@st.cache_data(show_spinner=False)
def cached_group_items(version: str) -> pd.DataFrame:
    """Grouping fields loaded (cached per data version)."""
    return breakdowns.group_items(common.cursor())


@st.cache_data(show_spinner=False)
def cached_breakdown(version: str, sel_key: str, indicator: str, code: str, item: str, _sel) -> breakdowns.Breakdown:
    """One breakdown (cached per data version and choice)."""
    return breakdowns.breakdown(common.cursor(), _sel, indicator, code, item)


LEVEL_ORDER = ("city", "district", "station")  # the picker's order; the levels a figure can be shown for


f = common.page_start(common.tr("breakdowns.title"))
sel = f  # the sidebar's selection
labels = common.indicator_labels()
lang = common.lang()
items = cached_group_items(common.data_version())
if items.empty:
    st.info(common.tr("breakdowns.no_groups"))
    st.stop()

registry = common.cached_jurisdictions(common.data_version())
visible = common.visible_codes()
# Figures per community (below a station) are not offered: their respondents count in their station's.
places = registry[registry["level"].isin(LEVEL_ORDER)]
places = places if visible is None else places[places["code"].isin(visible)]
if f.jurisdiction_codes:
    places = places[places["code"].isin(f.jurisdiction_codes) | (places["level"] == "city")]
level_of = dict(zip(places["code"], places["level"], strict=True))  # looked up per code by the sort below
codes = sorted(level_of, key=lambda c: (LEVEL_ORDER.index(level_of[c]), common.natural_key(c)))
names = {r["code"]: f"{jurisdiction_name({**r, 'jurisdiction': r['code']}, lang)} ({r['code']})"
         for r in places.to_dict("records")}
item_names = {r["item"]: r["label_zh"] if lang == "zh" else r["label_en"] for r in items.to_dict("records")}
left, middle, right = st.columns(3)
indicator = left.selectbox(common.tr("breakdowns.indicator"), list(labels), format_func=labels.__getitem__,
                           key=common.carried("bd_indicator"))
code = middle.selectbox(common.tr("breakdowns.jurisdiction"), codes, format_func=names.__getitem__,
                        key=common.carried("bd_jurisdiction"))
item = right.selectbox(common.tr("breakdowns.group"), list(item_names), format_func=item_names.__getitem__,
                       key=common.carried("bd_group"))
try:
    result = cached_breakdown(common.data_version(), repr(sel), indicator, code, item, sel)
except JingminError as exc:
    common.show_error(exc)
    st.stop()

st.caption(common.tr("breakdowns.caption", indicator=labels[indicator], name=names[code], period=f.latest,
                     group=item_names[item]))
groups = result.groups
if groups.empty:
    # An indicator the loaded surveys did not ask: say so instead of drawing an empty chart and table.
    st.info(common.tr("breakdowns.no_answers", indicator=labels[indicator], name=names[code], period=f.latest))
    st.stop()
mean = result.kind == "mean"
scale = 1.0 if mean else 100.0
not_given = common.tr("breakdowns.not_given")
group_names = [g if isinstance(g, str) else not_given for g in groups["group"]]
shown = groups.assign(name=group_names)
fig = go.Figure()
ok = shown[shown["estimate"].notna()]
fig.add_trace(go.Scatter(
    x=ok["estimate"] * scale, y=ok["name"], mode="markers",
    marker={"size": 11, "color": ["#ffffff" if fl == "caution" else "#1f4e8c" for fl in ok["flag"]],
            "line": {"color": "#1f4e8c", "width": 2}},
    error_x={"type": "data", "symmetric": False, "array": (ok["ci_high"] - ok["estimate"]) * scale,
             "arrayminus": (ok["estimate"] - ok["ci_low"]) * scale},
    hovertext=[f"{n}: {v:.1f}{'' if mean else '%'} ({interval_text(lo, hi, row={'kind': result.kind})}), n={b}"
               for n, v, lo, hi, b in zip(ok["name"], ok["estimate"] * scale, ok["ci_low"], ok["ci_high"], ok["n"],
                                          strict=True)],
    hoverinfo="text", showlegend=False))
fig.update_layout(height=max(220, 48 * len(shown) + 80), xaxis_title=labels[indicator] + ("" if mean else " (%)"),
                  yaxis={"categoryorder": "array", "categoryarray": list(reversed(group_names))},
                  margin={"l": 10, "r": 10, "t": 30, "b": 10})
common.show_fig(fig)
st.dataframe(pd.DataFrame({
    common.tr("breakdowns.col.group"): group_names,
    common.tr("col.estimate"): [common.tr("flag.suppressed_short") if pd.isna(v) else
                                (f"{v:.2f}" if mean else f"{100 * v:.1f}%") for v in groups["estimate"]],
    common.tr("col.ci"): [interval_text(lo, hi, row={"kind": result.kind}) for lo, hi in
                          zip(groups["ci_low"], groups["ci_high"], strict=True)],
    common.tr("col.n"): groups["n"].astype(int),
}), hide_index=True, width="stretch")

st.subheader(common.tr("breakdowns.gaps"))
st.caption(common.tr("breakdowns.gaps_caption"))
gaps = result.gaps
if gaps.empty:
    st.info(common.tr("breakdowns.no_gaps"))
else:
    def signed(value: float) -> str:
        text = f"{value * scale:+.2f}" if mean else f"{value * scale:+.1f}"
        return "0.0" if text in ("+0.0", "-0.0", "+0.00", "-0.00") else text

    st.dataframe(pd.DataFrame({
        common.tr("breakdowns.col.pair"): [f"{a} − {b}" for a, b in zip(gaps["group_a"], gaps["group_b"], strict=True)],
        common.tr("breakdowns.col.gap"): [signed(v) for v in gaps["gap"]],
        common.tr("col.ci"): [f"{signed(lo)} – {signed(hi)}" for lo, hi in zip(gaps["ci_low"], gaps["ci_high"],
                                                                              strict=True)],
        common.tr("breakdowns.col.p"): ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in gaps["p_adjusted"]],
        common.tr("breakdowns.col.verdict"): [common.tr("breakdowns.significant" if s else "breakdowns.not_significant")
                                              for s in gaps["significant"]],
    }), hide_index=True, width="stretch")
