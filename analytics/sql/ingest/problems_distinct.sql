-- A whole-file value wrong once is reported once (a constant's problem is found on every row).
CREATE OR REPLACE TEMP TABLE ingest_problems AS SELECT DISTINCT * FROM ingest_problems;
