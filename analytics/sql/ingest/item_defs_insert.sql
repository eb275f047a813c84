-- One item of ingest_item_defs.
INSERT INTO ingest_item_defs VALUES (?, ?, ?, ?, ?, ?, ?);
