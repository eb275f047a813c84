"""Boundaries for the map: the demo city's shapes, matching by code, rejected files."""

from __future__ import annotations

import json

import pytest

from analytics import geo
from analytics.auth import User
from analytics.demo import DEMO_BOUNDARIES, DEMO_DIR
from analytics.errors import AccessDenied, IngestError
from tests.data import leaders_city

ADMIN = User("admin", "admin")


def _square(code, x=114.0, y=30.0, size=0.1):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _area(geometry):
    ring = geometry["coordinates"][0]
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))) / 2


def test_demo_boundaries_cover_every_jurisdiction_and_stations_tile_districts():
    # Coordinates have 5 decimals, so areas agree to about 1e-5 relative.
    shapes = geo.read_geojson((DEMO_DIR / DEMO_BOUNDARIES).read_bytes())
    stations = {c: g for c, g in shapes.items() if c.startswith("S")}
    districts = {c: g for c, g in shapes.items() if c.startswith("D")}
    assert len(stations) == 16 and len(districts) == 4 and "C01" in shapes
    station_area = sum(_area(g) for g in stations.values())
    district_area = sum(_area(g) for g in districts.values())
    assert station_area == pytest.approx(district_area, rel=1e-4)
    assert district_area == pytest.approx(_area(shapes["C01"]), rel=1e-4)


def test_one_unmatched_code_is_reported_and_not_stored(empty_db):
    leaders_city.build(empty_db)
    text = _collection(_square("S1"), _square("S2", x=114.1), _square("S99", x=114.2))
    match = geo.match_boundaries(empty_db, geo.read_geojson(text))
    assert match.unmatched == ["S99"]
    assert sorted(match.shapes) == ["S1", "S2"]
    assert match.missing == ["D1", "D2", "S10", "S3", "S4"]
    assert geo.save_boundaries(empty_db, match, source_name="x.geojson", user=ADMIN) == 2
    assert sorted(geo.boundaries(empty_db, "station")) == ["S1", "S2"]
    again = geo.match_boundaries(empty_db, geo.read_geojson(_collection(_square("S3"))))
    assert "S1" not in again.missing  # stored earlier


def test_saving_needs_the_upload_permission(empty_db):
    leaders_city.build(empty_db)
    match = geo.match_boundaries(empty_db, geo.read_geojson(_collection(_square("S1"))))
    with pytest.raises(AccessDenied):
        geo.save_boundaries(empty_db, match, source_name="x.geojson", user=User("boss", "leader"))


@pytest.mark.parametrize(("text", "key"), [
    ("not json", "geo.not_json"),
    (json.dumps({"type": "Feature"}), "geo.not_collection"),
    (_collection({"type": "Feature", "properties": {}, "geometry": None}), "geo.no_code"),
    (_collection({**_square("S1"), "geometry": {"type": "Point", "coordinates": [114, 30]}}), "geo.bad_geometry"),
    (_collection({**_square("S1"), "geometry": {"type": "Polygon", "coordinates": [[[500, 30], [1, 1], [2, 2],
                                                                                   [500, 30]]]}}), "geo.bad_geometry"),
    (_collection(_square("S1"), _square("S1")), "geo.duplicate"),
])
def test_bad_files_are_rejected_with_a_reason(text, key):
    with pytest.raises(IngestError) as caught:
        geo.read_geojson(text)
    assert caught.value.message_key == key


def test_outline_and_centroid():
    square = _square("S1")["geometry"]
    lons, lats = geo.outline({"type": "MultiPolygon", "coordinates": [square["coordinates"]] * 2})
    assert lons.count(None) == 1 and len(lons) == 11
    assert geo.centroid(square) == pytest.approx((114.05, 30.05))
