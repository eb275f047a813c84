-- The text tables: the originals they hold live only as long as the upload.
DROP TABLE IF EXISTS ingest_text;
DROP TABLE IF EXISTS ingest_text_topics;
