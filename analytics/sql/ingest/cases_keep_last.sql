-- Mapping option duplicates = keep_last: of the rows of one case in a file the last one stays. ingest_typed is a
-- view (analytics/ingest/typed.py): the rows it reads are rebuilt without the superseded ones.
CREATE OR REPLACE TEMP TABLE ingest_typed_rows AS
SELECT * FROM ingest_typed_rows
WHERE _row IN (SELECT _row FROM ingest_typed
               QUALIFY case_id IS NULL OR row_number() OVER (PARTITION BY case_id ORDER BY _row DESC) = 1);
