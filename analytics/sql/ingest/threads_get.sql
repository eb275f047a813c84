-- DuckDB's worker threads now (restored after a large upload has loaded on one).
SELECT CAST(current_setting('threads') AS BIGINT) AS threads;
