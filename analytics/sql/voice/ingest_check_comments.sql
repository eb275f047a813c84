-- requires: ingest/record_macros
-- Comment-specific checks: a comment id once per file.
INSERT INTO ingest_problems SELECT * FROM jm_repeated_id_problems('comment_id');
