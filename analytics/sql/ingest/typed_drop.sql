-- An upload's typed rows: the view ingest_typed and the tables it reads (analytics/ingest/typed.py).
DROP VIEW IF EXISTS ingest_typed;
DROP TABLE IF EXISTS ingest_typed_rows;
DROP TABLE IF EXISTS ingest_typed_constants;
