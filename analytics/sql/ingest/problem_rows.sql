-- Distinct rows named by a problem.
SELECT count(DISTINCT row_no) AS n FROM ingest_problems;
