-- The value maps as given, in order ($seq): default maps first, then the mapping's own.
CREATE OR REPLACE TEMP TABLE ingest_vmap_raw (target VARCHAR, raw VARCHAR, code VARCHAR, seq INTEGER);
