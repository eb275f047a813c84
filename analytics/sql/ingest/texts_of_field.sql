-- The distinct texts of the free-text field @F of an upload (redacted and tagged in Python, once each).
SELECT DISTINCT @F FROM ingest_typed WHERE @F IS NOT NULL;
