-- Jingmin schema: jurisdiction boundaries for the map (issue 15.3), uploaded as GeoJSON on the Data page.
-- One shape per jurisdiction code (a Polygon or MultiPolygon in longitude/latitude, as GeoJSON), replaced
-- whole by each upload that names the code. Shapes are drawn on their own: no tile server is needed.
CREATE TABLE IF NOT EXISTS jurisdiction_boundaries (
    code        VARCHAR PRIMARY KEY,
    geometry    JSON NOT NULL,
    source_name VARCHAR NOT NULL,
    loaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    loaded_by   VARCHAR NOT NULL
);
