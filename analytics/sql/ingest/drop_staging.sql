-- The file's text copies, once checked: the load reads only the typed rows and coded answers
-- (a 10-million-row file's text is gigabytes DuckDB would otherwise keep through the load).
DROP VIEW IF EXISTS ingest_answer_texts;
DROP VIEW IF EXISTS ingest_fields;
DROP TABLE IF EXISTS ingest_raw;
DROP TABLE IF EXISTS ingest_lookup;
DROP TABLE IF EXISTS ingest_lines;
DROP TABLE IF EXISTS ingest_linemap;
