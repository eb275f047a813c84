"""Overview: the leaders' first screen — city headline, who needs attention, the heat-map scorecard, alerts."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from analytics import alerts, scorecard
from analytics.presentation import estimate_text, interval_text, jurisdiction_name
from analytics.selection import Selection
from app_pages import common

# Cell colours by class (colour-blind safe blue/red; the glyph says the same without colour). 'Within' is an
# off-white so its cell still reads as a cell on the white chart; the Map uses the same scale.
CLASS_FILL = {
    "above": "#c6dbef", "within": "#f7f7f7", "below": "#f4c7c3", "suppressed": "#d9d9d9", "no_data": "#d9d9d9",
    "no_reference": "#f7f7f7",
    # Cells with an assessment target: the same blue/red scale, darker when the interval is clear of the target.
    "met": "#9ecae1", "likely_met": "#deebf7", "likely_missed": "#fde0dd", "missed": "#f4a6a0",
    "not_assessable": "#d9d9d9",
}
HIDDEN_CLASSES = ("suppressed", "no_data", "not_assessable")

f = common.page_start(common.tr("overview.title"))
sel = f  # the sidebar's selection: every figure and change below is for it
labels = common.indicator_labels()
lang = common.lang()

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
    pick = st.selectbox(common.tr("published.benchmark_pick"), [none, *options],
                        key=common.carried("overview_benchmark"), format_func=lambda k: k if k == none else options[k])
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
attention = common.cached_attention(sel)
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
st.caption(common.tr("leaders.heatmap.caption", period=f.latest, level=common.tr(f"level.{f.level}"))
           + (" " + common.tr("selection.changes_vs", words=compared) if compared else ""))
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

records = {(r["jurisdiction"], r["indicator"]): r for r in card.to_dict("records")}
rows_of = {key: {code: records.get((code, key)) for code in codes} for key in keys}


def cell_class(row: dict | None) -> str:
    """The colour class of a cell (analytics.scorecard: colour_class); 'no_data' for a jurisdiction without it."""
    return row["colour_class"] if row is not None and isinstance(row["colour_class"], str) else "no_data"


# Which rule colours each column, in words: the assessment target where one applies, else the level average.
target_columns, average_columns = [], []
rules = scorecard.target_rules(card)  # once for every column
for key in keys:
    words = common.target_rule_text(card, key, labels[key], names, rules)
    (target_columns if words else average_columns).append(words or labels[key])
join_names = ("、" if lang == "zh" else ", ").join
if target_columns:
    # Names come from the registry: escaped, so a station called '**x**' reads literally.
    st.caption(common.plain(common.tr("leaders.heatmap.rule_target", columns=common.tr("leaders.attention.join").join(
        target_columns)) + (" " + common.tr("leaders.heatmap.rule_average", columns=join_names(average_columns))
                            if average_columns else "")))
if f.level == "city" and average_columns:
    st.caption(common.tr("leaders.heatmap.no_reference"))

controls = st.columns(3)
sort_names = {"code": common.tr("leaders.heatmap.sort_code"), **labels}
sort_by = common.picker(common.tr("leaders.heatmap.sort_by"), ["code", *keys], "ov_sort_by",
                        format_func=sort_names.__getitem__, container=controls[0])
direction_names = {d: common.tr(f"leaders.heatmap.sort_{d}") for d in ("asc", "desc")}
descending = common.picker(common.tr("leaders.heatmap.sort_order"), ["asc", "desc"], "ov_sort_order",
                           format_func=direction_names.__getitem__, container=controls[1], radio=True) == "desc"
trend_key = common.picker(common.tr("leaders.heatmap.trend_of"), keys, "ov_trend_of",
                          format_func=labels.__getitem__, container=controls[2])


def row_order() -> list[str]:
    """``codes`` in the chosen order: by code (natural: S2 before S10) or by one indicator's value; cells with
    no figure (suppressed, no data) stay last either way, ties in code order."""
    if sort_by == "code":
        return list(reversed(codes)) if descending else list(codes)
    shown = {c: r["estimate"] for c, r in rows_of[sort_by].items()
             if r is not None and cell_class(r) not in HIDDEN_CLASSES and not pd.isna(r["estimate"])}
    ranked = sorted(shown, key=lambda c: -shown[c] if descending else shown[c])  # stable: code order on ties
    return ranked + [c for c in codes if c not in shown]


order = row_order()
everyone = order
# A heat-map of hundreds of rows is tens of thousands of pixels tall and takes the browser seconds to draw on
# every run (500 stations at the 1M benchmark: ~8 s a page run); pages of rows keep it readable and quick.
if len(order) > common.HEATMAP_PAGE_ROWS:
    bounds = [(first, min(first + common.HEATMAP_PAGE_ROWS, len(order)))
          for first in range(0, len(order), common.HEATMAP_PAGE_ROWS)]
    page_names = {i: common.tr("leaders.heatmap.rows_page", first=a + 1, last=b, total=len(order))
                  for i, (a, b) in enumerate(bounds)}
    # The row count is in the key: a level or filter change with another count starts on the first page.
    page_index = common.picker(common.tr("leaders.heatmap.rows"), list(page_names), f"ov_rows_{len(order)}",
                               format_func=page_names.__getitem__)
    order = order[bounds[page_index][0]:bounds[page_index][1]]


def cell_text(row: dict | None) -> str:
    """What a cell shows: the class glyph and the rate (or the mean with its unit); the hatch glyph and why
    when there is no figure (never a suppressed number)."""
    cls = cell_class(row)
    if cls in HIDDEN_CLASSES or row is None or pd.isna(row["estimate"]):
        small = row is not None and row["flag"] == "suppressed"
        return "▨ " + common.tr("flag.suppressed_short" if small else "flag.no_data")
    return f"{common.CLASS_GLYPHS[cls]} {estimate_text(row)}".strip()


def cell_hover(code: str, key: str, row: dict | None) -> list[str]:
    """The hover lines of a cell: figure, interval, base, the change under the one comparison rule (points,
    significance in words, the period it is compared with) and the colour class with its rule."""
    head = f"{names.get(code, code)} · {labels[key]}"
    if row is None or pd.isna(row["estimate"]):
        status = "suppressed" if row is not None and row["flag"] == "suppressed" else "no_data"
        lines = [head, common.tr(f"leaders.class.{status}")]
        if row is not None and not pd.isna(row["n"]):
            lines.append(common.tr("leaders.heatmap.hover.base", n=int(row["n"])))
        return lines
    lines = [f"{head}: {estimate_text(row)}",
             common.tr("leaders.heatmap.hover.interval",
                       interval=interval_text(row["ci_low"], row["ci_high"], row=row)),
             common.tr("leaders.heatmap.hover.base", n=int(row["n"]))]
    if pd.isna(row["change"]):
        lines.append(common.tr("leaders.heatmap.hover.no_change", words=compared))
    else:
        words = common.tr(f"change.{row['direction']}" if row["direction"] in ("up", "down") else "change.none")
        unit = common.tr("alerts.unit.score" if row.get("kind") == "mean" else "alerts.unit.points")
        lines.append(common.tr("leaders.heatmap.hover.change", words=compared, change=points(row["change"], row),
                               unit=unit, significance=words))
    cls = cell_class(row)
    if cls != "no_reference":
        status = common.tr(f"leaders.class.{cls}")
        lines.append(common.tr("leaders.target.status_with_target", status=status, target=common.target_words(row))
                     if row.get("colour_rule") == "target" else status)
    return lines


def wrapped(label: str, width: int = 14) -> str:
    """A column title broken over lines so seven of them fit 1280 px (escaped first: '<br>' is plotly's)."""
    words, out, line = str(label).split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    return "<br>".join(common.chart_text(out))


@st.cache_resource(show_spinner=False, max_entries=common.FIGURE_CACHE_ENTRIES)
def heatmap_figure(version: str, sel_key: str, language: str, rows: tuple[str, ...], trend: str,
                   _sel: Selection) -> go.Figure:
    """The heat-map with its sparkline column for these rows (in this order) and trend indicator, prepared.

    Everything it is drawn from (the scorecard, its history, names, labels, comparison words) follows from the
    data version, the selection with its user (``sel_key``), the language, the rows and the trend indicator.
    Shared by every session without a copy, like the Trends charts: built once, only read afterwards
    (``common.draw_fig``); a warm page run no longer builds a validated plotly figure of subplots.
    """
    class_list = list(CLASS_FILL)
    texts = [[cell_text(rows_of[k][c]) for k in keys] for c in rows]
    classes = [[class_list.index(cell_class(rows_of[k][c])) for k in keys] for c in rows]
    # The number under each cell (the rate in percent, or the mean), for readers of the figure such as the
    # browser tests; None where nothing may be shown.
    numbers = [[None if cell_text(rows_of[k][c]).startswith("▨") else float(rows_of[k][c]["estimate"]) * (
        1.0 if rows_of[k][c]["kind"] == "mean" else 100.0) for k in keys] for c in rows]
    hover = [["<br>".join(common.chart_text(cell_hover(c, k, rows_of[k][c]))) for k in keys] for c in rows]
    steps = len(class_list)
    # One flat colour per class: each class index owns an equal slice of the scale.
    scale = [item for i, cls in enumerate(class_list) for item in ([i / steps, CLASS_FILL[cls]],
                                                                     [(i + 1) / steps, CLASS_FILL[cls]])]

    history = common.cached_history(_sel, trend)
    periods = sorted(history["period"].unique())
    sample = card[card["indicator"] == trend].iloc[0].to_dict()  # kind, scale and unit of the trend indicator
    known = history["estimate"].dropna()
    low, high = (float(known.min()), float(known.max())) if len(known) else (0.0, 1.0)
    spark_x: list = []
    spark_y: list = []
    spark_hover: list = []
    series = {code: part.set_index("period")["estimate"] for code, part in history.groupby("jurisdiction")}
    for i, code in enumerate(rows):
        # Every row on one scale (the lowest to the highest value shown), drawn inside the row's band, higher up
        # for a higher value: rows can be compared, not only read one by one.
        line = series.get(code)
        if line is None or line.dropna().empty:
            continue
        for j, period in enumerate(periods):
            value = line.get(period)
            spark_x.append(j)
            if value is None or pd.isna(value):
                spark_y.append(None)
                spark_hover.append("")
                continue
            spark_y.append(i + 0.35 - 0.7 * ((float(value) - low) / (high - low) if high > low else 0.5))
            spark_hover.append(f"{names.get(code, code)} · {period}: {estimate_text({**sample, 'estimate': value})}")
        spark_x.append(None)
        spark_y.append(None)
        spark_hover.append("")

    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.84, 0.16], horizontal_spacing=0.015)
    fig.add_trace(go.Heatmap(
        z=classes, x=list(range(len(keys))), y=list(range(len(rows))), text=texts, texttemplate="%{text}",
        textfont={"size": 12, "color": "#222222"}, customdata=numbers, colorscale=scale, zmin=0, zmax=steps,
        showscale=False, xgap=2, ygap=2, hoverinfo="text", hoverongaps=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=spark_x, y=spark_y, mode="lines+markers", line={"color": "#1f4e8c", "width": 1.5},
                             marker={"size": 3}, hovertext=spark_hover, hoverinfo="text", connectgaps=False,
                             showlegend=False), row=1, col=2)
    trend_title = common.tr("leaders.heatmap.trend", indicator=labels[trend])
    fig.update_xaxes(tickvals=list(range(len(keys))), ticktext=[wrapped(labels[k]) for k in keys], side="top",
                     fixedrange=True, showgrid=False, zeroline=False, row=1, col=1)
    fig.update_xaxes(range=[-0.5, max(len(periods), 1) - 0.5], side="top", showticklabels=False, fixedrange=True,
                     showgrid=False, zeroline=False, title={"text": wrapped(trend_title, 18), "font": {"size": 12}},
                     row=1, col=2)
    # Rows top to bottom in the chosen order; the range ends at the last row (no empty row below it).
    # Long names over two lines: the columns get the room ('Xinhua Street Police Station' at 1280 px).
    fig.update_yaxes(tickvals=list(range(len(rows))), ticktext=[wrapped(names.get(c, c), 16) for c in rows],
                     range=[len(rows) - 0.5, -0.5], fixedrange=True, showgrid=False, zeroline=False, automargin=True)
    fig = common.prepare_fig(fig)
    # Set after prepare_fig: each line's text is escaped above, and the '<br>' between lines must stay markup.
    fig.data[0].hovertext = hover
    fig.update_layout(height=40 * len(rows) + 120, margin={"l": 10, "r": 10, "t": 90, "b": 10},
                      plot_bgcolor="#ffffff", hoverlabel={"align": "left"})
    return fig


fig = heatmap_figure(common.data_version(), repr(sel), lang, tuple(order), trend_key, sel)
common.draw_fig(fig)

detail_names = {"": common.tr("leaders.heatmap.detail_none"), **{c: names.get(c, c) for c in everyone}}
code = common.picker(common.tr("leaders.heatmap.detail_of"), ["", *everyone], "ov_detail",
                     format_func=detail_names.__getitem__)
if code:
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
            common.tr("leaders.target.status_with_target", status=common.tr(f"leaders.class.{r['target_status']}"),
                      target=common.target_words(r))
            if isinstance(r["target_status"], str) else "" for r in detail.to_dict("records")]}
           if detail["target_status"].notna().any() else {}),
    }), hide_index=True, width="stretch")

csv_name = f"jingmin_scorecard_{f.latest}.csv"
common.download_csv(common.tr("overview.download"), card.assign(comparison=f.comparison), csv_name,
                    key="overview_download", cache_key=("overview", common.data_version(), repr(sel)))

# ---------------------------------------------------------------- alerts (same list as the alerts CLI)
st.subheader(common.tr("alerts.title"))
digest = common.cached_alerts(sel)
if digest.empty:
    st.info(common.tr("alerts.none"))
for row in digest.to_dict("records"):
    st.markdown(f"**{common.plain(common.tr('alerts.kind.' + row['kind']))}** · "
                + common.plain(alerts.alert_text(row, lang, labels)))
