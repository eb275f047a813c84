-- Each given field's label in problems: its column header, or the constant marker.
CREATE OR REPLACE TEMP TABLE ingest_colmap (target VARCHAR, header VARCHAR, is_constant BOOLEAN);
