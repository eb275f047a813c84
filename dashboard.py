"""Jingmin dashboard entry point: navigation and the shared sidebar; pages do the rest."""

import streamlit as st

from pages import common

st.set_page_config(page_title="Jingmin 警民", page_icon=":material/shield:", layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = "zh"

PAGES = [
    st.Page("pages/overview.py", title=common.tr("nav.overview"), icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page("pages/trends.py", title=common.tr("nav.trends"), icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/data.py", title=common.tr("nav.data"), icon=":material/dataset:", url_path="data"),
]

navigation = st.navigation(PAGES, position="sidebar")
st.session_state["_filters"] = common.sidebar()
navigation.run()
