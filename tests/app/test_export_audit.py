"""Every download a page offers is recorded in the audit log when it is clicked (issue 9)."""

import ast
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import store

REPO = Path(__file__).resolve().parents[2]


def test_every_page_download_button_audits_its_click():
    missing, seen = [], 0
    for path in sorted((REPO / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            if isinstance(node, ast.Call) and getattr(func, "attr", getattr(func, "id", None)) == "download_button":
                seen += 1
                on_click = next((k.value for k in node.keywords if k.arg == "on_click"), None)
                if not (isinstance(on_click, ast.Attribute) and on_click.attr == "audit_download"
                        or isinstance(on_click, ast.Name) and on_click.id == "audit_download"):
                    missing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert seen >= 3  # common.download_csv (every CSV download), forum PPTX and HTML
    assert missing == [], "download buttons must pass on_click=common.audit_download"


def _click_as_station_user():
    import streamlit as st  # noqa: F811 - AppTest runs this function's body as a script

    from analytics import auth
    from app_pages import common

    st.session_state["_user"] = auth.User("chief", "station", "S1")
    common.audit_download("jingmin_scorecard_2026Q3.csv")


def test_audit_download_records_who_took_which_file(synthetic_db_path, monkeypatch):
    monkeypatch.setenv("JINGMIN_DB", str(synthetic_db_path))
    st.cache_resource.clear()
    at = AppTest.from_function(_click_as_station_user, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    st.cache_resource.clear()
    con = store.connect(synthetic_db_path)
    rows = con.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'export.download'").fetchall()
    con.close()
    assert rows == [("chief", "export.download", '{"file": "jingmin_scorecard_2026Q3.csv"}')]
