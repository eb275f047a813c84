"""Jingmin dashboard entry point: sign-in gate, navigation and the shared sidebar; pages do the rest.

Every run ends by closing its read-only database connection (common.release), so the dashboard
holds no lock between runs; a run that cannot get the database because another process keeps it
(a CLI load) shows "data is being loaded" and tries again (docs/store.md).
"""

from pathlib import Path

import streamlit as st
from streamlit import config as st_config

from analytics.errors import StoreBusyError, StoreError
from app_pages import common

# Also set here, for a server started from another folder (whose .streamlit/config.toml is not read): the
# tables' built-in CSV download and copy would be exports missing from the audit log.
st.set_option("client.disableDataExport", True)
# Streamlit runs a full garbage collection after every script run unless told not to: a pass over every live
# object of the process (the caches, every session's state), which was most of a warm page run's CPU time
# (demo, one session: Trends 0.21 → 0.07 s) and grows with the sessions, all of them under one interpreter
# lock (benchmarks/README.md, "CPU per page run"). Python's own generational collector still frees cycles.
# Not a scriptable option for st.set_option, so set in the config directly (read at the end of every run).
st_config.set_option("runner.postScriptGC", False)
# The icon is a file shipped in the repository: police intranets are offline, nothing may be fetched.
ICON = Path(__file__).resolve().parent / "static" / "jingmin_icon.svg"
st.set_page_config(page_title="Jingmin 警民", page_icon=str(ICON), layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = "zh"

PAGES = [
    st.Page("app_pages/overview.py", title=common.tr("nav.overview"), icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page("app_pages/trends.py", title=common.tr("nav.trends"), icon=":material/show_chart:", url_path="trends"),
    st.Page("app_pages/map.py", title=common.tr("nav.map"), icon=":material/map:", url_path="map"),
    st.Page("app_pages/breakdowns.py", title=common.tr("nav.breakdowns"), icon=":material/groups_2:",
            url_path="breakdowns"),
    st.Page("app_pages/compare.py", title=common.tr("nav.compare"), icon=":material/leaderboard:", url_path="compare"),
    st.Page("app_pages/upload.py", title=common.tr("nav.upload"), icon=":material/upload_file:", url_path="upload"),
    st.Page("app_pages/data.py", title=common.tr("nav.data"), icon=":material/dataset:", url_path="data"),
    st.Page("app_pages/weights.py", title=common.tr("nav.weights"), icon=":material/balance:", url_path="weights"),
    st.Page("app_pages/cases.py", title=common.tr("nav.cases"), icon=":material/assignment_turned_in:",
            url_path="cases"),
    st.Page("app_pages/prevention.py", title=common.tr("nav.prevention"), icon=":material/health_and_safety:",
            url_path="prevention"),
    st.Page("app_pages/voice.py", title=common.tr("nav.voice"), icon=":material/record_voice_over:", url_path="voice"),
    st.Page("app_pages/link.py", title=common.tr("nav.link"), icon=":material/compare_arrows:", url_path="link"),
    st.Page("app_pages/drivers.py", title=common.tr("nav.drivers"), icon=":material/insights:", url_path="drivers"),
    st.Page("app_pages/forum.py", title=common.tr("forum.nav"), icon=":material/groups:", url_path="forum"),
    st.Page("app_pages/assessment.py", title=common.tr("nav.assessment"), icon=":material/military_tech:",
            url_path="assessment"),
    st.Page("app_pages/integrity.py", title=common.tr("nav.integrity"), icon=":material/fact_check:",
            url_path="integrity"),
]

try:
    user = common.current_user()
    if user is None:
        st.sidebar.radio("Language 语言", ("zh", "en"), key="lang", horizontal=True,
                         format_func=common.LANGUAGE_NAMES.__getitem__)
        # The sign-in page is the default page so that, once signed in, the same URL opens the Overview.
        st.navigation([st.Page("app_pages/login.py", title=common.tr("nav.login"), icon=":material/login:",
                               default=True)], position="hidden").run()
    else:
        st.session_state["_user"] = user
        navigation = st.navigation(PAGES, expanded=True)  # every page listed, none behind "View more"
        st.session_state["_filters"] = common.sidebar()
        navigation.run()
except StoreBusyError:
    common.show_busy()
except StoreError as exc:
    common.show_error(exc)
finally:
    common.release()
