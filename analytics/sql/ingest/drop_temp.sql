-- Every scratch table and view of an upload, after it loaded or was rejected.
DROP VIEW IF EXISTS ingest_long;
DROP VIEW IF EXISTS ingest_answer_texts;
DROP VIEW IF EXISTS ingest_fields;
DROP TABLE IF EXISTS ingest_raw0;
DROP TABLE IF EXISTS ingest_lines;
DROP TABLE IF EXISTS ingest_linemap;
DROP TABLE IF EXISTS ingest_raw;
DROP TABLE IF EXISTS ingest_constants;
DROP TABLE IF EXISTS ingest_typed;
DROP TABLE IF EXISTS ingest_lookup;
DROP TABLE IF EXISTS ingest_itemcols;
DROP TABLE IF EXISTS ingest_answer_values;
DROP TABLE IF EXISTS ingest_answers;
DROP TABLE IF EXISTS ingest_keys;
DROP TABLE IF EXISTS ingest_vmap_raw;
DROP TABLE IF EXISTS ingest_vmap;
DROP TABLE IF EXISTS ingest_colmap;
DROP TABLE IF EXISTS ingest_item_defs;
DROP TABLE IF EXISTS ingest_jvals;
DROP TABLE IF EXISTS ingest_jur_merged;
DROP TABLE IF EXISTS ingest_rejects;
DROP TABLE IF EXISTS ingest_reject_scans;
DROP TABLE IF EXISTS ingest_xlsx;
DROP TABLE IF EXISTS ingest_internal_rows;
-- last: the staged table's row-number column draws from it
DROP SEQUENCE IF EXISTS ingest_rowseq;
