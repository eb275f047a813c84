-- Rows of the upload that passed reading (ingest_typed).
SELECT count(*) AS n FROM ingest_typed;
