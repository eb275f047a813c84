"""Overview: the leaders' first screen — city headline, who needs attention, the heat-map scorecard, alerts."""

import math

import pandas as pd
import streamlit as st

from analytics import alerts, scorecard
from analytics.presentation import estimate_text, interval_text, jurisdiction_name
from app_pages import common

# Cell colours by class (colour-blind safe blue/red; the glyph says the same without colour).
HIDDEN_CELL = -1.0
CLASS_CSS = {
    "above": "background-color: #c6dbef; color: #08306b",
    "within": "background-color: #ffffff; color: #222222",
    "below": "background-color: #f4c7c3; color: #67000d",
    "suppressed": "background-color: #d9d9d9; color: #555555",
    "no_data": "background-color: #d9d9d9; color: #555555",
    "no_reference": "background-color: #ffffff; color: #222222",
    # Cells with an assessment target: the same blue/red scale, darker when the interval is clear of the target.
    "met": "background-color: #9ecae1; color: #08306b",
    "likely_met": "background-color: #deebf7; color: #08306b",
    "likely_missed": "background-color: #fde0dd; color: #67000d",
    "missed": "background-color: #f4a6a0; color: #67000d",
    "not_assessable": "background-color: #d9d9d9; color: #555555",
}
CLASS_STYLE = {cls: (common.CLASS_GLYPHS[cls], css) for cls, css in CLASS_CSS.items()}
HIDDEN_CLASSES = ("suppressed", "no_data", "not_assessable")

f = common.filters()
sel = f  # the sidebar's selection: every figure and change below is for it
labels = common.indicator_labels()
lang = common.lang()
st.title(common.tr("overview.title"))

if f.latest is None:
    st.info(common.tr("sidebar.no_data"))
    st.stop()

compared = common.compared_with(f)  # the one comparison rule, in words (as on every page)


def points(value: float, row: dict) -> str:
    """A change or gap in the row's units, signed, never '-0.0'."""
    scaled = float(value) if row.get("kind") == "mean" else 100 * float(value)
    text = f"{scaled:+.2f}" if row.get("kind") == "mean" else f"{scaled:+.1f}"
    return text.replace("-0.0", "0.0").replace("+0.0", "0.0") if set(text[1:]) <= set("0.") else text


# ---------------------------------------------------------------- headline tiles
city = common.indicator_table(f, level="city", jurisdiction_codes=(), periods=(f.latest,))
city_now = city[city["period"] == f.latest].set_index("indicator")
st.subheader(common.tr("overview.headline", period=f.latest))
st.caption(compared)
shown = [(k, v) for k, v in labels.items() if k in city_now.index]
for start in range(0, len(shown), 4):  # four tiles a row: labels stay whole at 1280 px in both languages
    for tile, (key, label) in zip(st.columns(4), shown[start:start + 4], strict=False):
        row = city_now.loc[key].to_dict()
        if row["flag"] == "suppressed":
            tile.metric(common.plain(label), common.tr("flag.suppressed_short"), help=common.tr("flag.suppressed"))
            continue
        delta = None
        if not pd.isna(row["change"]):
            # Short words: a tile's delta line is cut beyond about 14 characters at 1280 px.
            words = common.tr(f"leaders.sig_short.{row['direction'] if row['direction'] in ('up', 'down') else 'none'}")
            key_name = "leaders.tile_delta_score" if row.get("kind") == "mean" else "leaders.tile_delta"
            delta = common.tr(key_name, change=points(row["change"], row), words=words)
        tile.metric(common.plain(label), estimate_text(row), delta=delta,
                    delta_color="normal" if row["direction"] in ("up", "down") else "off",
                    help=f"{common.tr('col.ci')}: {interval_text(row['ci_low'], row['ci_high'], row=row)}; "
                         f"{common.tr('col.n')} = {int(row['n'])}; {compared}")

def show_benchmark() -> None:
    """A benchmark column beside our city's figures: a chosen external area's published figures for the latest
    period, as published (no interval without a base, no significance test), source named."""
    figures = common.published_figures(f, periods=(f.latest,))
    figures = figures[figures["indicator"].notna() & figures["period"].eq(f.latest)]
    options = common.published_area_options(figures)
    if not options:
        return
    none = common.tr("published.benchmark_none")
    pick = st.selectbox(common.tr("published.benchmark_pick"), [none, *options], key="overview_benchmark",
                        format_func=lambda k: k if k == none else options[k])
    if pick == none:
        return
    series = common.published_series(figures, pick).set_index("indicator")
    rows = []
    for key, label in labels.items():
        if key not in series.index:
            continue
        r = series.loc[key]
        ours = city_now.loc[key] if key in city_now.index else None
        own = (common.tr("flag.suppressed_short") if ours is not None and ours["flag"] == "suppressed"
               else estimate_text(ours) if ours is not None else "—")
        interval = (interval_text(r["ci_low"], r["ci_high"]) if r["interval"] != "none"
                    else common.tr("published.no_interval"))
        rows.append({common.tr("published.col.indicator"): common.plain(label),
                     common.tr("published.col.ours"): own,
                     common.tr("published.benchmark"): r["shown"] or common.tr("published.not_published"),
                     common.tr("published.col.interval"): interval,
                     common.tr("published.col.source"): r["source"]})
    if rows:
        st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
        st.caption(common.tr("published.benchmark_caption", area=options[pick], period=f.latest,
                             source="; ".join(sorted(series["source"].unique()))))
    else:
        st.caption(common.tr("published.benchmark_missing", area=options[pick], period=f.latest))


show_benchmark()


# ---------------------------------------------------------------- needs attention
card = common.cached_scorecard(sel)
st.subheader(common.tr("leaders.attention.title"))
st.caption(common.tr("leaders.attention.caption"))
attention = scorecard.needs_attention(card)
if attention.empty:
    st.success(common.tr("leaders.attention.none"))
def attention_text(item: dict) -> str:
    """One needs-attention line: the figure, then each reason it is listed (target missed, below the level
    average, a significant fall) with its gap."""
    name = jurisdiction_name(item, lang)
    label = labels.get(item["indicator"], item["indicator"])
    clauses = []
    for reason in item["reason"].split("+"):
        if reason == "missed":
            clauses.append(common.tr("leaders.attention.clause.missed", target=common.target_words(item),
                                     gap=points(abs(item["target_gap"]), item).lstrip("+")))
        elif reason == "below":
            clauses.append(common.tr("leaders.attention.clause.below",
                                     average=estimate_text({**item, "estimate": item["avg_estimate"]}),
                                     gap=points(abs(item["gap"]), item).lstrip("+")))
        else:
            clauses.append(common.tr("leaders.attention.clause.fall", prev=item["prev_period"],
                                     change=points(abs(item["change"]), item).lstrip("+")))
    return (common.tr("leaders.attention.head", name=name, indicator=label, value=estimate_text(item))
            + common.tr("leaders.attention.join").join(clauses))


TOP = 8  # lines shown with links; the rest in one expander
items = attention.to_dict("records")
for item in items[:TOP]:
    # The links need room for their words ("Trends", "Compare") at 1280 px: a tenth each cut them.
    cols = st.columns([6, 2, 2], vertical_alignment="center")
    cols[0].markdown(("▼ " if item["reason"] != "fall" else "↘ ") + common.plain(attention_text(item)))
    cols[1].page_link("app_pages/trends.py", label=common.tr("leaders.link.trends"), icon=":material/show_chart:")
    cols[2].page_link("app_pages/compare.py", label=common.tr("leaders.link.compare"), icon=":material/leaderboard:")
if len(items) > TOP:
    with st.expander(common.tr("leaders.attention.more", count=len(items) - TOP)):
        for item in items[TOP:]:
            st.markdown(("▼ " if item["reason"] != "fall" else "↘ ") + common.plain(attention_text(item)))

# ---------------------------------------------------------------- heat-map scorecard
st.subheader(common.tr("overview.scorecard"))
st.caption(common.tr("leaders.heatmap.caption", period=f.latest, level=common.tr(f"level.{f.level}")) + " "
           + compared)
if card.empty:
    st.info(common.tr("overview.no_rows"))
    st.stop()

keys = [k for k in labels if k in set(card["indicator"])]
registry = common.cached_jurisdictions(common.data_version())
visible = set(card["jurisdiction"])
at_level = registry[registry["level"] == f.level]
if f.jurisdiction_codes:
    at_level = at_level[at_level["code"].isin(f.jurisdiction_codes)]
allowed = common.visible_codes()
if allowed is not None:
    at_level = at_level[at_level["code"].isin(allowed)]
codes = sorted(set(at_level["code"]) | visible, key=common.natural_key)
names = {r["code"]: jurisdiction_name({**r, "jurisdiction": r["code"]}, lang) for r in registry.to_dict("records")}

by_cell = card.set_index(["jurisdiction", "indicator"])
values: dict[str, list] = {common.tr("col.jurisdiction"): [names.get(c, c) for c in codes]}
classes: dict[str, list] = {}
for key in keys:
    column_values, column_classes = [], []
    for code in codes:
        if (code, key) in by_cell.index:
            r = by_cell.loc[(code, key)]
            scale = 1.0 if r["kind"] == "mean" else 100.0
            column_values.append(r["estimate"] * scale if not pd.isna(r["estimate"]) else math.nan)
            column_classes.append(r["colour_class"])
        else:
            column_values.append(math.nan)
            column_classes.append("no_data")
    values[labels[key]] = column_values
    classes[labels[key]] = column_classes

# Which rule colours each column, in words: the assessment target where one applies, else the level average.
target_columns, average_columns = [], []
for key in keys:
    words = common.target_rule_text(card, key, labels[key], names)
    (target_columns if words else average_columns).append(words or labels[key])
join_names = ("、" if lang == "zh" else ", ").join
if target_columns:
    # Names come from the registry: escaped, so a station called '**x**' reads literally.
    st.caption(common.plain(common.tr("leaders.heatmap.rule_target", columns=common.tr("leaders.attention.join").join(
        target_columns)) + (" " + common.tr("leaders.heatmap.rule_average", columns=join_names(average_columns))
                            if average_columns else "")))
if f.level == "city" and average_columns:
    st.caption(common.tr("leaders.heatmap.no_reference"))

trend_key = st.selectbox(common.tr("leaders.heatmap.trend_of"), keys, format_func=labels.__getitem__,
                         key="ov_trend_of")
history = common.cached_history(sel, trend_key)
trend_scale = 1.0 if (card[card["indicator"] == trend_key]["kind"] == "mean").any() else 100.0
by_code = {code: [None if pd.isna(v) else float(v) * trend_scale for v in part.sort_values("period")["estimate"]]
           for code, part in history.groupby("jurisdiction")}
trend_title = common.tr("leaders.heatmap.trend", indicator=labels[trend_key])
# A row whose every period is suppressed gets no line (the grid would print a list of empty values).
values[trend_title] = [line if any(v is not None for v in line) else [] for line in (by_code.get(c, []) for c in codes)]
frame = pd.DataFrame(values)
# The grid draws a missing number as "None" whatever the styler says, so suppressed and no-data cells hold a
# value below every rate or score (they sort to one end) and show their text through the styler.
for key in keys:
    hidden = [i for i, c in enumerate(classes[labels[key]]) if c in HIDDEN_CLASSES]
    frame.loc[hidden, labels[key]] = HIDDEN_CELL
suppressed_text = "▨ " + common.tr("flag.suppressed_short")
no_data_text = "▨ " + common.tr("flag.no_data")


def suppressed_rows(key: str, rows: list[int]) -> list[int]:
    """Those of ``rows`` (positions in ``codes``) whose cell of indicator ``key`` is suppressed: a target that
    cannot be assessed says why, a small base or no answers at all."""
    flags = by_cell["flag"]
    return [i for i in rows if (codes[i], key) in flags.index and flags.loc[(codes[i], key)] == "suppressed"]


def style_column(column: pd.Series) -> list[str]:
    """CSS of each cell of one indicator column, from its class."""
    return [CLASS_STYLE[c][1] for c in classes[column.name]]


def shown_as(glyph: str, decimals: int, percent: bool):
    """Display of a cell of one class: its glyph and the value (the data underneath stay numbers, so
    sorting by a column sorts by value)."""
    return lambda value: f"{glyph} {value:.{decimals}f}{'%' if percent else ''}".strip()


styler = frame.style.apply(style_column, subset=[labels[k] for k in keys])
for key in keys:
    is_mean = bool((card[card["indicator"] == key]["kind"] == "mean").any())
    column = labels[key]
    for cls, (glyph, _css) in CLASS_STYLE.items():
        rows = [i for i, c in enumerate(classes[column]) if c == cls]
        if not rows:
            continue
        if cls in HIDDEN_CLASSES:
            small = suppressed_rows(key, rows)
            for part, text in ((small, suppressed_text), ([i for i in rows if i not in small], no_data_text)):
                if part:
                    styler = styler.format(lambda _v, text=text: text, subset=pd.IndexSlice[part, [column]])
        else:
            styler = styler.format(shown_as(glyph, 2 if is_mean else 1, not is_mean),
                                   subset=pd.IndexSlice[rows, [column]], na_rep=no_data_text)
column_config = {
    common.tr("col.jurisdiction"): st.column_config.TextColumn(pinned=True, width="medium"),
    trend_title: st.column_config.LineChartColumn(width="small", y_min=0, y_max=100 if trend_scale == 100 else None),
}
for key in keys:
    column_config[labels[key]] = st.column_config.NumberColumn(width="small")
event = st.dataframe(styler, hide_index=True, width="stretch", column_config=column_config,
                     height=min(35 * (len(frame) + 1) + 3, 700), on_select="rerun", selection_mode="single-row",
                     key="ov_heatmap")
picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
if picked:
    code = codes[picked[0]]
    st.markdown("**" + common.plain(common.tr("leaders.detail.title", name=names.get(code, code))) + "**")
    detail = card[card["jurisdiction"] == code].set_index("indicator").reindex(keys).reset_index()
    st.dataframe(pd.DataFrame({
        common.tr("col.indicator"): [labels[k] for k in keys],
        common.tr("col.estimate"): [estimate_text(r) if not pd.isna(r["estimate"]) else common.tr(
            f"leaders.class.{r['vs_average'] if isinstance(r['vs_average'], str) else 'no_data'}")
            for r in detail.to_dict("records")],
        common.tr("col.ci"): [interval_text(r["ci_low"], r["ci_high"], row=r) for r in detail.to_dict("records")],
        common.tr("col.n"): [int(r["n"]) if not pd.isna(r["n"]) else None for r in detail.to_dict("records")],
        # the header says which period the change is against (the sidebar's comparison rule)
        common.tr("selection.change_header", words=compared): [points(r["change"], r) + " · " + common.tr(
            f"change.{r['direction']}" if r["direction"] in ("up", "down") else "change.none")
            if not pd.isna(r["change"]) else "" for r in detail.to_dict("records")],
        common.tr("leaders.detail.vs_average"): [common.tr(f"leaders.class.{r['vs_average']}")
                                                 if isinstance(r["vs_average"], str) else ""
                                                 for r in detail.to_dict("records")],
        **({common.tr("leaders.detail.vs_target"): [
            common.tr(f"leaders.class.{r['target_status']}") + " (" + common.target_words(r) + ")"
            if isinstance(r["target_status"], str) else "" for r in detail.to_dict("records")]}
           if detail["target_status"].notna().any() else {}),
    }), hide_index=True, width="stretch")

csv_name = f"jingmin_scorecard_{f.latest}.csv"
common.download_csv(common.tr("overview.download"), card.assign(comparison=f.comparison), csv_name,
                    key="overview_download")

# ---------------------------------------------------------------- alerts (same list as the alerts CLI)
st.subheader(common.tr("alerts.title"))
digest = common.cached_alerts(sel)
if digest.empty:
    st.info(common.tr("alerts.none"))
for row in digest.to_dict("records"):
    st.markdown(f"**{common.plain(common.tr('alerts.kind.' + row['kind']))}** · "
                + common.plain(alerts.alert_text(row, lang, labels)))
