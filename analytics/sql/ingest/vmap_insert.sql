-- The value-map entries, as four parallel lists.
INSERT INTO ingest_vmap_raw SELECT unnest($t), unnest($r), unnest($c), unnest($s);
