-- The upload's views (they read the staged text; dropped before the tables they read).
DROP VIEW IF EXISTS ingest_answer_texts;
DROP VIEW IF EXISTS ingest_fields;
