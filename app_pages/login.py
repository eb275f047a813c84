"""Sign-in page: shown instead of every other page once accounts exist and nobody is signed in."""

import streamlit as st

from analytics import auth
from analytics.errors import AccessDenied
from app_pages import common

st.title(common.tr("login.title"))
if st.session_state.get("timed_out"):
    st.info(common.tr("login.timeout"))
with st.form("login"):
    username = st.text_input(common.tr("login.username"))
    password = st.text_input(common.tr("login.password"), type="password")
    submitted = st.form_submit_button(common.tr("login.submit"), type="primary")
if submitted:
    try:
        with common.writer() as con:
            signed_in = auth.authenticate(con, username.strip(), password)
    except AccessDenied as exc:
        common.show_error(exc)
    else:
        common.sign_in(signed_in)
        st.rerun()
