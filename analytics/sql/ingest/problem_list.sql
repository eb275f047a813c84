-- The problems of the report, at most $cap; the message and value break ties so that the report is the
-- same on every run.
SELECT row_no, column_name, value, code, msg_key, params FROM ingest_problems
ORDER BY row_no NULLS FIRST, code, column_name NULLS FIRST, msg_key, params, value
LIMIT $cap;
