-- The new stations an upload creates (value, code), in the order they first appear.
SELECT raw, code FROM ingest_jvals WHERE status = 'new' ORDER BY first_row;
