"""Data: what is loaded (batches, coverage) and how each indicator is computed."""

import json

import pandas as pd
import streamlit as st

from analytics import engine, store
from analytics.definitions import list_indicators
from pages import common

st.title(common.tr("data.title"))
cur = common.cursor()
lang = common.lang()

user = common.user()
if user.can("view_all"):
    st.subheader(common.tr("data.batches"))
    batches = engine.batches(cur)
    if batches.empty:
        st.info(common.tr("data.no_batches"))
    else:
        shown = batches[["batch_id", "kind", "source_name", "row_count", "loaded_at", "status", "survey_mode"]]
        st.dataframe(shown.rename(columns={c: common.tr(f"batch.{c}") for c in shown.columns}),
                     width="stretch", hide_index=True)

st.subheader(common.tr("data.coverage"))
coverage = engine.coverage(cur, user)
coverage["name"] = coverage["name_zh" if lang == "zh" else "name_en"]
coverage = coverage[["code", "name", "respondents", "first_date", "last_date", "cases"]]
st.dataframe(coverage.rename(columns={
    "code": common.tr("def.key"), "name": common.tr("col.jurisdiction"),
    "respondents": common.tr("coverage.respondents"), "first_date": common.tr("coverage.first_date"),
    "last_date": common.tr("coverage.last_date"), "cases": common.tr("coverage.cases")}),
    width="stretch", hide_index=True)

st.subheader(common.tr("data.definitions"))
rows = []
for ind in list_indicators(cur):
    scoring = ", ".join(f"{code}→{score:g}" for code, score in ind.scoring.items())
    rows.append({
        common.tr("def.key"): ind.key,
        common.tr("def.label"): ind.label(lang),
        common.tr("def.item"): ind.item,
        common.tr("def.formula"): ind.description(lang) + " " + common.tr(
            "data.formula", scoring=scoring, dk=", ".join(ind.dk_codes) or "—"),
    })
st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)

st.subheader(common.tr("data.settings"))
st.write(common.tr("data.suppress_rule", suppress=store.get_setting(cur, "suppress_below_n_eff"),
                   caution=store.get_setting(cur, "caution_below_n_eff")))
st.caption(json.dumps({"data_version": store.data_version(cur)}))

if user.can("audit"):
    st.subheader(common.tr("data.audit"))
    st.dataframe(engine.audit_log(cur), width="stretch", hide_index=True)
