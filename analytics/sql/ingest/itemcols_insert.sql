-- One answer column of ingest_itemcols.
INSERT INTO ingest_itemcols VALUES (?, ?, ?);
