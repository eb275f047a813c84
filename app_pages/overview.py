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
