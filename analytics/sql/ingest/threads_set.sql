-- DuckDB's worker threads ($threads): one while a large upload loads, bounding its memory (issue 21).
SET threads = $threads;
