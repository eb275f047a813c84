"""Link: a case, prevention or voice metric against a survey indicator per jurisdiction, and the self-report gap."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import link
from analytics.errors import JingminError
from analytics.periods import WAVE_KIND
from analytics.presentation import jurisdiction_name, p_text, signed
from analytics.selection import Selection
from app_pages import common


@st.cache_data(show_spinner=False)
def periods_with_metric(version: str, period_kind: str, metric: str) -> list[str]:
    """Period labels of the granularity in which the metric has records anywhere, in time order."""
    return link.metric_periods(common.cursor(), period_kind, metric)


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def linked(version: str, sel: Selection, metric: str, indicator: str) -> tuple[pd.DataFrame, link.Correlation]:
    """The merged table and Spearman's rho with its bootstrap interval (cached per data version and selection)."""
    table = link.link_table(common.cursor(), sel, metric=metric, indicator=indicator)
    return table, link.spearman(table["metric_value"], table["indicator_estimate"])


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def gap_table(version: str, sel: Selection) -> pd.DataFrame:
    """The self-report gap per jurisdiction (cached per data version and selection)."""
    return link.self_report_gap(common.cursor(), sel)


f = common.filters()
lang = common.lang()
tr = common.tr
st.title(tr("link.title"))
st.caption(tr("link.caption"))
version = common.data_version()
indicator_labels = common.indicator_labels()
metric_labels = {key: tr(spec.label_key) for key, spec in link.X_METRICS.items()}
source_labels = {key: tr(f"link.source.{spec.source}") for key, spec in link.X_METRICS.items()}

if not indicator_labels or not f.periods:
    st.info(tr("sidebar.no_data"))
    st.stop()
if f.period_kind == WAVE_KIND:
    # the metrics beside the survey are dated records, so a survey wave has no period of theirs to match
    st.info(tr("link.by_calendar_period"))
    st.stop()

c1, c2, c3 = st.columns(3)
metrics = list(link.X_METRICS)
# Grouped by where the metric comes from (case work, prevention, residents' voice), named in the label.
metric = c1.selectbox(tr("link.metric"), metrics, index=metrics.index("callback_satisfaction"),
                      format_func=lambda k: f"{source_labels[k]} · {metric_labels[k]}",
                      key=common.carried("link_metric"))
metric_period_list = periods_with_metric(version, f.period_kind, metric)
if not metric_period_list:
    st.info(tr("link.no_metric_data"))
    st.stop()
common_periods = [p for p in f.periods if p in metric_period_list]
options = ["all", *reversed(common_periods)]
indicators = list(indicator_labels)
indicator = c2.selectbox(tr("link.indicator"), indicators,
                         index=indicators.index("satisfaction") if "satisfaction" in indicators else 0,
                         format_func=indicator_labels.__getitem__, key=common.carried("link_indicator"))
option_names = {p: tr("cases.period_all") if p == "all" else p for p in options}
chosen = c3.selectbox(tr("link.period"), options, key=common.carried(f"link_period_{f.period_kind}"),
                      format_func=option_names.__getitem__)
chosen_sel = f.with_(period_kind="all", periods=()) if chosen == "all" else f.with_(periods=(chosen,))

try:
    table, corr = linked(version, chosen_sel, metric, indicator)
    gaps = gap_table(version, chosen_sel)
except JingminError as exc:
    common.show_error(exc)
    st.stop()

# --- scatter and correlation ---------------------------------------------------------------------
if table.empty:
    st.info(tr("link.no_points"))
else:
    unit = link.X_METRICS[metric].unit
    scale = 100.0 if unit == "rate" else 1.0
    names = [jurisdiction_name(r, lang) for r in table.to_dict("records")]
    tiles = st.columns(4)
    tiles[0].metric(tr("link.rho"), signed(corr.rho, 2) if np.isfinite(corr.rho) else "—")
    tiles[1].metric(tr("link.p_value"), p_text(corr.p_value) if np.isfinite(corr.p_value) else "—")
    tiles[2].metric(tr("link.ci"), f"{signed(corr.ci_low, 2)} – {signed(corr.ci_high, 2)}"
                    if np.isfinite(corr.ci_low) else "—")
    tiles[3].metric(tr("link.n"), str(corr.n))
    if corr.n < 5:
        st.warning(tr("link.too_few"))
    xs, ys = scale * table["metric_value"], 100 * table["indicator_estimate"]
    x_range, y_range = common.padded_range(xs), common.padded_range(ys)
    # Labels go where they overlap no other label or point and stay inside the plot (700 x 340 px is the
    # plot area at 1280 px wide, the narrowest layout); a name that fits nowhere is in the hover only.
    positions, shown_names = common.label_positions(xs, ys, names, x_range=x_range, y_range=y_range,
                                                    width_px=700, height_px=340)
    fig = go.Figure(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=shown_names, textposition=positions, cliponaxis=False,
        marker={"size": 11, "color": common.PALETTE[0]}, textfont={"size": common.LABEL_FONT_PX},
        customdata=np.column_stack([table["metric_n"], table["indicator_n"], names]),
        hovertemplate="%{customdata[2]}<br>%{x:.1f} (n=%{customdata[0]})<br>%{y:.1f}% (n=%{customdata[1]})"
                      "<extra></extra>"))
    x_title = metric_labels[metric] + (" (%)" if unit == "rate" else f" ({tr(f'unit.{unit}')})")
    fig.update_layout(xaxis_title=x_title, yaxis_title=indicator_labels[indicator] + " (%)", height=460,
                      title=f"{metric_labels[metric]} × {indicator_labels[indicator]}",
                      xaxis={"range": x_range}, yaxis={"range": y_range})
    common.show_fig(fig)
    hidden = sum(1 for text in shown_names if not text)
    if hidden:
        st.caption(tr("chart.labels_hidden", n=hidden))

# --- self-report gap -----------------------------------------------------------------------------
st.subheader(tr("link.gap_title"))
if gaps.empty:
    st.info(tr("link.no_points"))
    st.stop()
reference = gaps["reference_gap"].iloc[0]
st.caption(tr("link.gap_caption", reference=f"{100 * reference:.1f}" if np.isfinite(reference) else "—",
              threshold=f"{100 * link.GAP_THRESHOLD:.0f}"))
gap_names = [jurisdiction_name(r, lang) for r in gaps.to_dict("records")]
flagged = [common.plain(name) for name, flag in zip(gap_names, gaps["flagged"], strict=True) if flag]
if flagged:
    st.warning(tr("link.gap_flagged", names="、".join(flagged) if lang == "zh" else ", ".join(flagged)))
else:
    st.success(tr("link.gap_none"))
colors = [common.PALETTE[1] if flag else common.PALETTE[5] for flag in gaps["flagged"]]
fig = go.Figure(go.Bar(
    x=gap_names, y=100 * gaps["gap"], marker={"color": colors},
    error_y={"type": "data", "symmetric": False, "array": 100 * (gaps["gap_high"] - gaps["gap"]),
             "arrayminus": 100 * (gaps["gap"] - gaps["gap_low"])},
    customdata=np.column_stack([100 * gaps["callback_satisfaction"], 100 * gaps["survey_estimate"]]),
    hovertemplate="%{x}: %{y:+.1f}<br>" + tr("link.callback") + " %{customdata[0]:.1f}%<br>"
                  + tr("link.survey") + " %{customdata[1]:.1f}%<extra></extra>"))
if np.isfinite(reference):
    fig.add_hline(y=100 * reference, line_dash="dash", line_color=common.PALETTE[6])
fig.update_layout(yaxis_title=tr("link.gap_axis"), height=380, title=tr("link.gap_title"))
common.show_fig(fig)
shown = pd.DataFrame({
    tr("col.jurisdiction"): gap_names,
    tr("link.callback"): (100 * gaps["callback_satisfaction"]).round(1),
    tr("col.n") + " (" + tr("link.callback") + ")": gaps["callback_n"],
    tr("link.survey"): (100 * gaps["survey_estimate"]).round(1),
    tr("col.n") + " (" + tr("link.survey") + ")": gaps["survey_n"],
    tr("link.gap"): [signed(100 * v) for v in gaps["gap"]],
    tr("link.p_value"): [p_text(v) for v in gaps["p_excess_adjusted"]],
    tr("link.flagged"): np.where(gaps["flagged"], "⚑", ""),
})
# Percentages with one decimal in every row: a number column drops a trailing '.0' ('83' under '70.8').
st.dataframe(shown, width="stretch", hide_index=True,
             column_config={tr(key): st.column_config.NumberColumn(format="%.1f")
                            for key in ("link.callback", "link.survey")})
