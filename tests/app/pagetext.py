"""Readers of what an AppTest run drew, shared by the page tests: the text of its elements, a table's cells,
the Overview's heat-map as sent to the browser, and square boundaries for the Map page."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from analytics import geo, store
from analytics.auth import User

# The elements most page tests read text from, in this order.
SHOWN = ("markdown", "title", "subheader", "caption", "info")


def page_text(at, kinds: tuple[str, ...] = SHOWN, separator: str = "\n") -> str:
    """The values of the run's elements of the given kinds (AppTest element lists: 'markdown', 'info', ...)."""
    return separator.join(str(e.value) for kind in kinds for e in getattr(at, kind))


def all_text(at) -> str:
    """Markdown, titles, subheaders, captions and info boxes of the run."""
    return page_text(at)


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


def save_squares(db_path: Path, codes: list[str]) -> None:
    """Store side-by-side square boundaries for ``codes`` (west to east from 114°E) as the Map's shapes."""
    text = json.dumps({"type": "FeatureCollection",
                       "features": [json.loads(square(c, 114 + i / 10)) for i, c in enumerate(codes)]})
    con = store.connect(db_path)
    try:
        geo.save_boundaries(con, geo.match_boundaries(con, geo.read_geojson(text)), source_name="t.geojson",
                            user=User("t", "admin"))
    finally:
        con.close()
