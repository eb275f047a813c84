-- The distinct (folded) jurisdiction values of an upload.
SELECT DISTINCT jm_norm(jurisdiction) FROM ingest_fields WHERE nullif(trim(jurisdiction), '') IS NOT NULL;
