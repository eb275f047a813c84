-- One field of ingest_colmap.
INSERT INTO ingest_colmap VALUES (?, ?, ?);
