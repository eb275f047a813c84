"""Cases: case-work metrics as a scorecard and as trends, and the open loop of dissatisfied callbacks."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import cases
from analytics.errors import JingminError
from analytics.presentation import community_names, jurisdiction_name, station_names
from analytics.selection import Selection
from app_pages import common

MAX_LINES = 8
MAX_LOOP_ROWS = 200


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def case_table(version: str, sel: Selection) -> pd.DataFrame:
    """Case metrics for the selection (cached per data version and selection)."""
    return cases.case_metrics(common.cursor(), sel)


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def loop_tables(version: str, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The open loop: per-jurisdiction summary and the waiting cases (cached per data version and selection)."""
    cur = common.cursor()
    return cases.open_loop_summary(cur, sel), cases.open_loop(cur, sel)


@st.cache_data(show_spinner=False)
def definitions(version: str, lang: str) -> dict[str, str]:
    """Metric key -> definition with the current settings."""
    cur = common.cursor()
    return {key: cases.metric_definition(cur, key, lang) for key in cases.METRICS}


f = common.filters()
lang = common.lang()
tr = common.tr
st.title(tr("cases.title"))
st.caption(tr("cases.caption"))
version = common.data_version()
labels = {key: tr(f"metric.{key}") for key in cases.METRICS}
defs = definitions(version, lang)

try:
    # Every period of the granularity: the sidebar's range narrows the choice below only when it has cases.
    every = f.with_(periods=())
    table = case_table(version, every)
    city = case_table(version, every.with_(level="city", jurisdiction_codes=()))
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if table.empty:
    st.info(tr("cases.no_cases"))
    st.stop()

# Periods: the sidebar's range when it overlaps the case data, else every period with cases.
case_periods = list(dict.fromkeys(table.sort_values("period_start")["period"]))
in_range = [p for p in case_periods if p in f.periods]
periods = in_range or case_periods
options = [*reversed(periods), "all"]
option_names = {p: tr("cases.period_all") if p == "all" else p for p in options}
chosen = st.selectbox(tr("cases.period_pick"), options, key=common.carried(f"cases_period_{f.period_kind}"),
                      format_func=option_names.__getitem__)
period_label = tr("cases.period_all") if chosen == "all" else chosen
if chosen == "all":
    pooled = f.with_(period_kind="all", periods=())
    now = case_table(version, pooled)
    city_now = case_table(version, pooled.with_(level="city", jurisdiction_codes=()))
else:
    now = table[table["period"] == chosen]
    city_now = city[city["period"] == chosen]
    # A quarter (or month) whose scorecard columns are mostly suppressed: one click to the rolling 12 months,
    # whose bases are about four times larger, instead of columns of 'too few cases'.
    if cases.offer_rolling(now, f.period_kind):
        sparse = [labels[k] for k in cases.mostly_suppressed(now)]
        st.info(tr("cases.mostly_suppressed", period=chosen, metrics=("、" if lang == "zh" else ", ").join(sparse)))
        if st.toggle(tr("cases.rolling_toggle", period=chosen), key=f"cases_rolling_{chosen}"):
            window = cases.rolling_window(chosen)
            rolling = f.with_(period_kind="rolling12", periods=(window,))
            now = case_table(version, rolling)
            now = now[now["period"] == window]
            city_now = case_table(version, rolling.with_(level="city", jurisdiction_codes=()))
            city_now = city_now[city_now["period"] == window]
            period_label = tr("cases.rolling_label", period=chosen, window=window)

# --- headline tiles ------------------------------------------------------------------------------
st.subheader(tr("cases.headline", period=period_label))
city_rows = city_now.drop_duplicates("metric").set_index("metric")
keys = list(cases.METRICS)
# Four tiles a row, labels wrapping: six a row cut both labels and values ('17.0 …') at 1280 px.
TILES_PER_ROW = 4
for start in range(0, len(keys), TILES_PER_ROW):
    tiles = st.columns(TILES_PER_ROW)
    for tile, key in zip(tiles, keys[start:start + TILES_PER_ROW], strict=False):
        if key not in city_rows.index:
            continue
        row = city_rows.loc[key]
        if row["flag"] == cases.NO_DATA:
            common.metric_tile(tile, labels[key], cases.NO_DATA_MARK, f"{tr('flag.no_data_help')} {defs[key]}")
            continue
        if row["flag"] == "suppressed":
            common.metric_tile(tile, labels[key], tr("flag.suppressed_short"), defs[key])
            continue
        text = cases.format_value(row["value"], row["unit"], lang)
        extra = (f"{tr('col.ci')}: {100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f}; "
                 if row["unit"] == "rate" else "")
        common.metric_tile(tile, labels[key], text, f"{defs[key]} {extra}n={int(row['n'])}")

# --- scorecard -----------------------------------------------------------------------------------
st.subheader(tr("cases.scorecard"))
st.caption(tr("cases.scorecard_caption", period=period_label, level=tr(f"level.{f.level}")))
records = now.to_dict("records")
cells = now.assign(name=[jurisdiction_name(r, lang) for r in records],
                   cell=[cases.metric_cell(r, lang) for r in records])
scorecard = cells.pivot_table(index=["jurisdiction", "name"], columns="metric", values="cell", aggfunc="first")
scorecard = scorecard[[k for k in keys if k in scorecard.columns]].rename(columns=labels)
scorecard.index = pd.Index([name for _code, name in scorecard.index], name=tr("col.jurisdiction"))
st.dataframe(scorecard, width="stretch", height=min(36 * (len(scorecard) + 1) + 4, 700),
             column_config={label: st.column_config.TextColumn(label, help=tr("flag.no_data_help"))
                            for label in scorecard.columns})
if now["flag"].eq(cases.NO_DATA).any():
    st.caption(tr("flag.no_data_help"))
csv_name = f"jingmin_cases_{now['period'].iloc[0] if len(now) else chosen}.csv"  # the rolling window's label too
common.download_csv(tr("cases.download"), now, csv_name, key="cases_download")

# --- trends --------------------------------------------------------------------------------------
st.subheader(tr("cases.trends"))
trend = table[table["period"].isin(periods)]
left, right = st.columns([1, 2])
metric = left.selectbox(tr("cases.trend_metric"), keys, index=keys.index("callback_satisfaction"),
                        format_func=labels.__getitem__, key=common.carried("cases_trend_metric"))
names = {r["jurisdiction"]: jurisdiction_name(r, lang)
         for r in trend.drop_duplicates("jurisdiction").to_dict("records")}
codes = list(names)
shown = right.multiselect(tr("cases.trend_pick"), codes, default=codes[: min(len(codes), 4)],
                          max_selections=MAX_LINES, format_func=names.__getitem__,
                          key=common.carried(f"cases_trend_pick_{f.level}"))
unit = cases.METRICS[metric].unit
scale = 100.0 if unit == "rate" else 1.0
fig = go.Figure()
for index, code in enumerate(shown):
    series = trend[(trend["metric"] == metric) & (trend["jurisdiction"] == code)].sort_values("period_start")
    if series.empty:
        continue
    color = common.PALETTE[index % len(common.PALETTE)]
    if unit == "rate":
        band_x = list(series["period"]) + list(series["period"])[::-1]
        band_y = list(scale * series["ci_high"]) + list(scale * series["ci_low"])[::-1]
        fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", fillcolor=color, opacity=0.15,
                                 line={"width": 0}, hoverinfo="skip", showlegend=False))
    caution = series["flag"].eq("caution")
    fig.add_trace(go.Scatter(
        x=series["period"], y=scale * series["value"], mode="lines+markers", name=names[code],
        line={"color": color}, connectgaps=False,
        marker={"symbol": ["circle-open" if c else "circle" for c in caution], "size": 8},
        customdata=series[["n"]], hovertemplate="%{x}: %{y:.1f}, n=%{customdata[0]}<extra>%{fullData.name}</extra>"))
periods_drawn = list(trend.sort_values("period_start")["period"].drop_duplicates())
fig.update_layout(title=labels[metric], yaxis_title="%" if unit == "rate" else tr(f"unit.{unit}"), height=380,
                  legend={"orientation": "h", "y": -0.2}, xaxis=common.period_axis(periods_drawn, width_px=720))
picked = trend[(trend["metric"] == metric) & trend["jurisdiction"].isin(shown)]
if len(picked) and picked["value"].isna().all():
    # Nothing to draw: an empty chart (axes from -1 to 4, no point) would look like a broken page, so say why.
    if picked["flag"].eq("suppressed").any():
        st.info(tr("cases.trend_all_suppressed", metric=labels[metric], n=int(picked["n"].max())))
    else:
        st.info(tr("cases.trend_no_data", metric=labels[metric]))
else:
    common.show_fig(fig)
st.caption(defs[metric] + " " + tr("trends.caption"))

# --- the open loop -------------------------------------------------------------------------------
st.subheader(tr("cases.open_loop"))
summary, waiting = loop_tables(version, f.with_(periods=()))
as_of = waiting["as_of"].iloc[0] if not waiting.empty else cases.latest_data_time(common.cursor())
st.caption(tr("cases.open_loop_caption", as_of=pd.Timestamp(as_of).strftime("%Y-%m-%d %H:%M") if as_of else "—"))
if waiting.empty:
    st.success(tr("cases.open_loop_none"))
else:
    summary = summary.assign(name=[jurisdiction_name(r, lang) for r in summary.to_dict("records")])
    shown_summary = summary[["name", "dissatisfied", "pending", "oldest_days", "median_days_waited"]].round(1)
    # Days with one decimal in every row: a number column drops a trailing '.0', so 671.0 read '671' under '754.1'.
    one_decimal = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(shown_summary.rename(columns={"name": tr("col.jurisdiction"),
                                               **{c: tr(f"casecol.{c}") for c in shown_summary.columns[1:]}}),
                 width="stretch", hide_index=True,
                 column_config={tr(f"casecol.{c}"): one_decimal for c in ("oldest_days", "median_days_waited")})
    st.markdown(f"**{tr('cases.open_loop_list')}**")
    listing = pd.DataFrame({
        tr("casecol.case_id"): waiting["case_id"],
        tr("casecol.station"): station_names(waiting, lang),
        tr("casecol.community"): community_names(waiting, lang),
        tr("casecol.category"): [tr(f"category.{c}") if c in cases.CATEGORY_KEYS else str(c)
                                 for c in waiting["category"]],
        tr("casecol.status"): [tr(f"status.{s}") if s in ("open", "closed") else str(s) for s in waiting["status"]],
        tr("casecol.reported_at"): waiting["reported_at"],
        tr("casecol.callback_at"): waiting["callback_at"],
        tr("casecol.days_waited"): waiting["days_waited"].round(1),
    })
    if len(listing) > MAX_LOOP_ROWS:
        st.caption(tr("cases.open_loop_more", shown=MAX_LOOP_ROWS, total=len(listing)))
    st.dataframe(listing.head(MAX_LOOP_ROWS), width="stretch", hide_index=True,
                 column_config={tr("casecol.days_waited"): one_decimal})
    common.download_csv(tr("cases.open_loop_download"), waiting, "jingmin_open_loop.csv", key="cases_loop_download")

with st.expander(tr("cases.definitions")):
    st.dataframe(pd.DataFrame({tr("casecol.metric"): list(labels.values()),
                               tr("casecol.definition"): [defs[k] for k in labels]}),
                 width="stretch", hide_index=True)
