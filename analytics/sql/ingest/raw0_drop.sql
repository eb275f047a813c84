-- The staged rows once numbered into ingest_raw.
DROP TABLE IF EXISTS ingest_raw0;
