-- Blank rows are counted, not loaded.
DELETE FROM ingest_raw WHERE _blank;
