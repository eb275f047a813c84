"""Names from uploaded files are never rendered as Markdown or HTML on the pages.

Stations named ``<script>alert(1)</script>`` and ``**bold** _x_ [link](http://x)`` are loaded through the
upload pipeline; every element that renders Markdown (titles, captions, alerts, metrics) must carry them
escaped, charts carry them HTML-escaped, and tables show them as they are.
"""

from __future__ import annotations

import json

import pytest
from google.protobuf.json_format import MessageToDict

from analytics import store
from analytics.roles import LOCAL_USER
from tests.data.test_hostile_input import load_hostile_city
from tests.data.test_ingest_fixtures import FIXTURES

RAW = ("<script>", "**bold**", "[link](http://x)")
MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success")


@pytest.fixture
def synthetic_db_path(tmp_path, monkeypatch):
    """The fixture registry plus three stations with hostile names and their survey (no accounts)."""
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    from analytics.ingest import ingest_file

    path = tmp_path / "hostile.duckdb"
    con = store.connect(path)
    ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
    load_hostile_city(con)
    con.close()
    return path


def markdown_bodies(at) -> list[str]:
    bodies = []
    for kind in MARKDOWN_ELEMENTS:
        bodies += [str(e.value) for e in getattr(at, kind)]
    for metric in at.metric:
        bodies += [str(metric.label), str(metric.proto.help)]
    return bodies


def chart_specs(at) -> str:
    return " ".join(json.dumps(MessageToDict(c.proto), ensure_ascii=False) for c in at.get("plotly_chart"))


@pytest.mark.parametrize(("page", "lang", "shown"), [
    ("forum.py", "zh", "\\<script\\>alert\\(1\\)\\</script\\>"),
    ("forum.py", "en", "\\*\\*bold\\*\\* \\_x\\_ \\[link\\]\\(http\\:"),
    ("trends.py", "en", "\\*\\*bold\\*\\*"),
    ("trends.py", "zh", "\\<script\\>"),
    ("overview.py", "en", None),
    ("compare.py", "zh", None),
])
def test_file_names_are_escaped_wherever_markdown_is_rendered(app, page, lang, shown):
    at = app(lang)
    at.switch_page(f"app_pages/{page}")
    at.run()
    assert not at.exception, at.exception
    bodies = markdown_bodies(at)
    for body in bodies:
        assert not any(raw in body for raw in RAW), body
    if shown is not None:
        assert any(shown in body for body in bodies), "the hostile name should be shown (escaped)"
    specs = chart_specs(at)
    assert "<script>" not in specs and "\\u003cscript" not in specs.lower()
    if page == "trends.py":
        assert "&lt;script&gt;" in specs or "**bold**" in specs
