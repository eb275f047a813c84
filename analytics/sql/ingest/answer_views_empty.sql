-- A file without item columns: the answer texts view, empty.
CREATE OR REPLACE TEMP VIEW ingest_answer_texts AS
SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS VARCHAR) AS col, CAST(NULL AS VARCHAR) AS raw WHERE false;
