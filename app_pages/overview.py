"""Overview: headline city figures and the scorecard of jurisdictions for the latest period."""

import pandas as pd
import streamlit as st

from analytics.output import to_csv_text
from analytics.presentation import change_cell, estimate_text, interval_text, jurisdiction_name, rate_cell
from app_pages import common

f = common.filters()
labels = common.indicator_labels()
st.title(common.tr("overview.title"))

if f.latest is None:
    st.info(common.tr("sidebar.no_data"))
    st.stop()

# Only the latest period is shown: only it and its comparison period are queried (benchmarks/README.md).
city = common.indicator_table(f, level="city", jurisdiction_codes=(), periods=(f.latest,))
city_now = city[city["period"] == f.latest].set_index("indicator")
st.subheader(common.tr("overview.headline", period=f.latest))
tiles = st.columns(max(1, min(len(labels), 7)))
for tile, (key, label) in zip(tiles, labels.items(), strict=False):
    if key not in city_now.index:
        continue
    row = city_now.loc[key]
    if row["flag"] == "suppressed":
        tile.metric(common.plain(label), common.tr("flag.suppressed_short"), help=common.tr("flag.suppressed"))
        continue
    delta = change_cell({**row, "direction": ""}) if row["direction"] in ("up", "down") else None
    tile.metric(common.plain(label), estimate_text(row), delta=delta,
                help=f"{common.tr('col.ci')}: {interval_text(row['ci_low'], row['ci_high'], row=row)}; "
                     f"n={int(row['n'])}; "
                     + (common.tr(f"change.{row['direction']}") if delta else common.tr("change.none")))


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

table = common.indicator_table(f, periods=(f.latest,))
now = table[table["period"] == f.latest]
st.subheader(common.tr("overview.scorecard"))
st.caption(common.tr("overview.caption", period=f.latest, level=common.tr(f"level.{f.level}")))
if now.empty:
    st.info(common.tr("overview.no_rows"))
    st.stop()

# One pass over plain Python rows of just the columns the cells need, built from whole columns: to_dict
# boxes cell by cell (Arrow-backed strings) and took most of a re-render at 500 stations (benchmarks/README.md).
record_columns = ["jurisdiction", "name_zh", "name_en", "n", "estimate", "ci_low", "ci_high", "flag", "change",
                  "direction"]
records = [dict(zip(record_columns, values, strict=True))
           for values in zip(*(now[column].tolist() for column in record_columns), strict=True)]
changes = [change_cell(r) for r in records]
cells = now.assign(
    name=[jurisdiction_name(r, f.lang) for r in records],
    cell=[rate_cell(r, f.lang) + (f"  {c}" if c else "") for r, c in zip(records, changes, strict=True)],
)
scorecard = cells.pivot_table(index=["jurisdiction", "name"], columns="indicator", values="cell", aggfunc="first")
scorecard = scorecard[[k for k in labels if k in scorecard.columns]].rename(columns=labels)
scorecard.index = pd.Index([name for _code, name in scorecard.index], name=common.tr("col.jurisdiction"))
st.dataframe(scorecard, width="stretch", height=min(36 * (len(scorecard) + 1) + 4, 700))
csv_name = f"jingmin_scorecard_{f.latest}.csv"
st.download_button(common.tr("overview.download"), to_csv_text(now), file_name=csv_name, mime="text/csv",
                   on_click=common.audit_download, args=(csv_name,))
