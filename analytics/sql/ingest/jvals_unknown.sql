-- Jurisdiction values matching nothing in the registry, in the order they first appear.
SELECT raw FROM ingest_jvals WHERE status = 'unknown' ORDER BY first_row;
