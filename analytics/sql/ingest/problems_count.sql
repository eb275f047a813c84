-- How many problems have been recorded so far.
SELECT count(*) AS n FROM ingest_problems;
