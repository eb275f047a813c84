"""Shared by the page tests: starting the dashboard in an AppTest and opening a page (signed in or not), and
reading what a run drew (the text of its elements, everything it rendered, a table's cells, the Overview's
heat-map as sent to the browser); square boundaries for the Map page."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from analytics import auth, geo, store
from analytics.auth import LOCAL_USER, User
from analytics.selection import Selection

REPO = Path(__file__).resolve().parents[2]

@contextmanager
def on_database(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app reads ``db_path`` (JINGMIN_DB) with Streamlit's caches empty, and they are emptied again after."""
    monkeypatch.setenv("JINGMIN_DB", str(db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def page_alone(name: str, lang: str) -> AppTest:
    """``app_pages/<name>.py`` run on its own with what dashboard.py puts in the session (the local admin, the
    default sidebar choices)."""
    at = AppTest.from_file(str(REPO / "app_pages" / f"{name}.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["_user"] = LOCAL_USER
    at.session_state["_filters"] = Selection()
    at.run()
    assert not at.exception, at.exception
    return at


def start(lang: str = "zh", *, page: str | None = None, query: dict[str, str] | None = None, **state) -> AppTest:
    """An AppTest of dashboard.py (on the database JINGMIN_DB names) in ``lang`` with ``state`` in its session
    and ``query`` in its URL, after its first run and, given ``page``, after opening that page."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at if page is None else open_page(at, page)


def open_page(at: AppTest, page: str, level: str | None = None) -> AppTest:
    """Open ``app_pages/<page>`` ('.py' optional), at ``level`` in the sidebar when given."""
    at.switch_page(f"app_pages/{page.removesuffix('.py')}.py")
    at.run()
    if level is not None:
        at.selectbox(key=f"level_{at.session_state['lang']}").set_value(level).run()
    assert not at.exception, at.exception
    return at


def signed_in(app, db_path: Path, username: str, lang: str = "en") -> AppTest:
    """The ``app`` fixture's AppTest with account ``username`` of ``db_path`` signed in."""
    con = store.connect(db_path)
    user = auth.get_user(con, username)
    con.close()
    return app(lang, user=user, last_active=time.monotonic())


# The elements most page tests read text from, in this order.
SHOWN = ("markdown", "title", "subheader", "caption", "info")


def page_text(at, kinds: tuple[str, ...] = SHOWN, separator: str = "\n") -> str:
    """The values of the run's elements of the given kinds (AppTest element lists: 'markdown', 'info', ...)."""
    return separator.join(str(e.value) for kind in kinds for e in getattr(at, kind))


def all_text(at) -> str:
    """Markdown, titles, subheaders, captions and info boxes of the run."""
    return page_text(at)


def _decoded(value):
    """Strings that hold JSON (chart specs) decoded, so their text is compared as shown."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _decoded(json.loads(value))
        except ValueError:
            return value
    return value


def rendered(at) -> str:
    """All that a run drew: every element's message (chart specs decoded) and every table's cells."""
    parts = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe", "table"):
            frame = node.value
            parts.append(frame.to_csv() + " ".join(map(str, frame.columns)))
            continue
        parts.append(json.dumps(_decoded(MessageToDict(proto)), ensure_ascii=False))
    return "\n".join(parts)


def cells(frame: pd.DataFrame) -> str:
    """Every cell of a shown table, as text."""
    return " ".join(str(v) for v in frame.to_numpy().ravel())


class Heatmap:
    """The Overview's heat-map as the page sent it to the browser (the plotly figure's JSON): row names, column
    titles, and per cell the text shown, the hover text, the number underneath and the fill colour."""

    def __init__(self, spec: dict) -> None:
        trace = next(t for t in spec["data"] if t.get("type") == "heatmap")
        layout = spec["layout"]
        self.rows = [html.unescape(n.replace("<br>", " ")) for n in layout["yaxis"]["ticktext"]]
        self.columns = [html.unescape(c.replace("<br>", " ")) for c in layout["xaxis"]["ticktext"]]
        self.text, self.hover, self.numbers = trace["text"], trace["hovertext"], trace["customdata"]
        # The colour of a cell: its class index's slice of the discrete colour scale.
        scale = trace["colorscale"]
        self.fill = [[scale[2 * int(z)][1] for z in row] for row in trace["z"]]
        self.spark = next(t for t in spec["data"] if t.get("type") == "scatter")
        self.height = layout["height"]
        self.y_range = layout["yaxis"]["range"]

    def cell(self, row: str, column: str, what: str = "text"):
        return getattr(self, what)[self.rows.index(row)][self.columns.index(column)]


def heatmap(at) -> Heatmap:
    """The heat-map of the run (an AssertionError when the page drew none)."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(t.get("type") == "heatmap" for t in spec["data"]):
            return Heatmap(spec)
    raise AssertionError("no heat-map on the page")


def square(code: str, x: float) -> str:
    """A GeoJSON feature: a 0.1-degree square for jurisdiction ``code`` with its west edge at longitude ``x``."""
    ring = [[x, 30.0], [x + 0.1, 30.0], [x + 0.1, 30.1], [x, 30.1], [x, 30.0]]
    return json.dumps({"type": "Feature", "properties": {"code": code},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}})


def save_squares(db_path: Path, codes: list[str], west: list[float] | None = None) -> None:
    """Store square boundaries for ``codes`` as the Map's shapes, their west edges at longitudes ``west``
    (default: side by side from 114°E)."""
    edges = west if west is not None else [114 + i / 10 for i in range(len(codes))]
    text = json.dumps({"type": "FeatureCollection",
                       "features": [json.loads(square(c, x)) for c, x in zip(codes, edges, strict=True)]})
    con = store.connect(db_path)
    try:
        geo.save_boundaries(con, geo.match_boundaries(con, geo.read_geojson(text)), source_name="t.geojson",
                            user=User("t", "admin"))
    finally:
        con.close()
