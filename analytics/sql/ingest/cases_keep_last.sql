-- Mapping option duplicates = keep_last: of the rows of one case in a file the last one stays.
CREATE OR REPLACE TEMP TABLE ingest_typed AS SELECT * FROM ingest_typed
QUALIFY case_id IS NULL OR row_number() OVER (PARTITION BY case_id ORDER BY _row DESC) = 1;
