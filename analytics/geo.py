"""Jurisdiction boundaries for the map (issue 15.3): read a GeoJSON upload, match it to the registry by
code, store it, and turn shapes into outlines to draw without any tile server.

A boundary file is a GeoJSON FeatureCollection whose features carry the jurisdiction code in a property
(``code`` by default; ``jurisdiction``, ``jurisdiction_code`` and ``id`` are also looked for) and a Polygon
or MultiPolygon geometry in longitude/latitude degrees (WGS 84 or the local GCJ-02: the map only needs
the shapes to agree with each other). Features whose code is not in the jurisdiction registry are listed
and not stored; registry jurisdictions without a shape are listed too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.auth import User
from analytics.db import Connection, execute, fetch_all, query_df
from analytics.errors import IngestError
from analytics.store import audit, bump_data_version, transaction

MAX_BYTES = 20 * 1024 * 1024  # a city's stations at survey-map detail are well under 1 MB
CODE_PROPERTIES = ("code", "jurisdiction", "jurisdiction_code", "id")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class BoundaryMatch:
    """What a boundary file holds against the registry."""

    shapes: dict[str, dict[str, Any]]  # registry code -> geometry (the matched features)
    unmatched: list[str] = field(default_factory=list)  # codes in the file but not in the registry
    missing: list[str] = field(default_factory=list)  # registry districts/stations without a shape


def read_geojson(data: bytes | str, *, source_name: str = "boundaries.geojson") -> dict[str, dict[str, Any]]:
    """Code -> geometry from GeoJSON text; raises :class:`IngestError` naming what to fix.

    Rejected: files over :data:`MAX_BYTES`, text that is not JSON, anything but a FeatureCollection, a
    feature without a code property or with a geometry other than Polygon/MultiPolygon of finite
    numbers, and a code given twice.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise IngestError(f"{source_name} is larger than {MAX_BYTES // (1024 * 1024)} MB; simplify the shapes.",
                          key="geo.too_large", name=source_name, mb=MAX_BYTES // (1024 * 1024))
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{source_name} is not GeoJSON text (UTF-8 JSON): {exc}", key="geo.not_json",
                          name=source_name) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise IngestError(f"{source_name} is not a GeoJSON FeatureCollection.", key="geo.not_collection",
                          name=source_name)
    shapes: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(doc["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = next((str(props[k]).strip() for k in CODE_PROPERTIES
                     if isinstance(props, dict) and props.get(k) not in (None, "")), None)
        if code is None:
            raise IngestError(f"Feature {number} of {source_name} has no code property ({', '.join(CODE_PROPERTIES)}).",
                              key="geo.no_code", name=source_name, number=number)
        geometry = feature.get("geometry")
        if not _valid_geometry(geometry):
            raise IngestError(f"Feature {number} ({code}) of {source_name} is not a Polygon or MultiPolygon of "
                              "longitude/latitude numbers.", key="geo.bad_geometry", name=source_name,
                              number=number, code=code)
        if code in shapes:
            raise IngestError(f"Code {code} appears twice in {source_name}.", key="geo.duplicate",
                              name=source_name, code=code)
        shapes[code] = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return shapes


def _valid_ring(ring: Any) -> bool:
    return (isinstance(ring, list) and len(ring) >= 4 and all(
        isinstance(point, list) and len(point) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in point[:2])
        and -180 <= point[0] <= 180 and -90 <= point[1] <= 90 for point in ring))


def _valid_geometry(geometry: Any) -> bool:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return False
    polygons = [geometry.get("coordinates")] if geometry["type"] == "Polygon" else geometry.get("coordinates")
    return isinstance(polygons, list) and bool(polygons) and all(
        isinstance(rings, list) and bool(rings) and all(_valid_ring(r) for r in rings) for rings in polygons)


def match_boundaries(con: Connection, shapes: dict[str, dict[str, Any]]) -> BoundaryMatch:
    """Split ``shapes`` into those whose code is in the registry and those that are not; list registry
    districts and stations that the file and the database together leave without a shape."""
    registry = fetch_all(con, "jurisdictions/levels")
    known = {code for code, _level in registry}
    stored = set(query_df(con, "leaders/boundary_list", {"level": None, "codes": None})["code"])
    matched = {code: geometry for code, geometry in shapes.items() if code in known}
    unmatched = sorted(code for code in shapes if code not in known)
    # A community (below a station) is drawn as part of its station: the map has no community level.
    missing = sorted(code for code, level in registry
                     if level in ("district", "station") and code not in matched and code not in stored)
    return BoundaryMatch(matched, unmatched, missing)


def save_boundaries(con: Connection, match: BoundaryMatch, *, source_name: str,
                    user: User) -> int:
    """Store the matched shapes (replacing those of the same codes), audited; returns how many were stored.

    Needs the ``upload`` permission. The data version is bumped so cached maps are redrawn.
    """
    user.require("upload")
    codes = sorted(match.shapes)
    with transaction(con):
        execute(con, "leaders/boundary_upsert", {
            "codes": codes, "geometries": [json.dumps(match.shapes[c], separators=(",", ":")) for c in codes],
            "source_name": source_name, "actor": user.username})
        audit(con, user.username, "boundaries.load", {"file": source_name, "stored": len(codes),
                                                      "unmatched": match.unmatched})
        bump_data_version(con)
    return len(codes)


def boundaries(con: Connection, level: str, codes: Sequence[str] | None = None
               ) -> dict[str, dict[str, Any]]:
    """Stored shapes of the jurisdictions at ``level`` (only ``codes`` when given): code -> geometry."""
    frame = query_df(con, "leaders/boundary_list", {"level": level, "codes": list(codes) if codes else None})
    return {code: json.loads(text) for code, text in zip(frame["code"], frame["geometry"], strict=True)}


def outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of every exterior ring of ``geometry``, rings separated by None, ready for a
    filled scatter trace (holes are not cut out: police jurisdictions have none worth drawing)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    lons: list[float | None] = []
    lats: list[float | None] = []
    for rings in polygons:
        if lons:
            lons.append(None)
            lats.append(None)
        lons.extend(float(p[0]) for p in rings[0])
        lats.extend(float(p[1]) for p in rings[0])
    return lons, lats


def centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """The area-weighted centroid of the largest exterior ring (where a hover point or label goes)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    best: tuple[float, float, float] = (0.0, 0.0, -1.0)
    for rings in polygons:
        ring = rings[0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(((p[0], p[1]) for p in ring), ((p[0], p[1]) for p in ring[1:]), strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > best[2]:
            best = (cx / (3 * area), cy / (3 * area), abs(area)) if area else (ring[0][0], ring[0][1], 0.0)
    return best[0], best[1]


def label_width_px(text: str, font_px: float = 11.0) -> float:
    """Approximate width of ``text`` in pixels at ``font_px``: CJK and other wide characters count a full
    em, everything else ~0.6 em (a sans-serif's average Latin advance)."""
    return sum(font_px if ord(ch) >= 0x2E80 else 0.6 * font_px for ch in text)


def labels_collide(centres: Sequence[tuple[float, float]], texts: Sequence[str], *,
                   plot_px: tuple[float, float] = (700.0, 560.0), lat_scale: float = 1.0,
                   font_px: float = 11.0, gap_px: float = 2.0) -> bool:
    """Whether centred text labels at ``centres`` (longitude, latitude) would overlap on a map drawn with
    equal scales (one degree of latitude = ``lat_scale`` times the pixels of one degree of longitude) into
    a plot area of ``plot_px`` (width, height in pixels).

    The scale is the largest that fits every centre (the figure autoranges to the shapes, which are at
    least that large, so real labels are no closer than estimated: a conservative test). A label is a box
    of its estimated width and one line's height (1.3 × ``font_px``) around its centre.
    """
    if len(centres) < 2:
        return False
    xs = [c[0] for c in centres]
    ys = [c[1] * lat_scale for c in centres]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scales = [px / span for px, span in zip(plot_px, (span_x, span_y), strict=True) if span > 0]
    if not scales:
        return True  # every label at one point
    per_degree = min(scales)
    boxes = sorted(((x * per_degree, y * per_degree, label_width_px(text, font_px) / 2 + gap_px / 2)
                    for x, y, text in zip(xs, ys, texts, strict=True)), key=lambda box: box[0])
    half_height = 1.3 * font_px / 2 + gap_px / 2
    widest = max(box[2] for box in boxes)
    for i, (x, y, half_width) in enumerate(boxes):
        for other_x, other_y, other_half in boxes[i + 1:]:
            if other_x - x > half_width + widest:
                break  # sorted by x: no later box can reach this one
            if abs(other_x - x) < half_width + other_half and abs(other_y - y) < 2 * half_height:
                return True
    return False


def boundary_table(con: Connection) -> pd.DataFrame:
    """Every stored shape's code, level, source file and load time (for the Data page)."""
    return query_df(con, "leaders/boundary_list", {"level": None, "codes": None}).drop(columns=["geometry"])
