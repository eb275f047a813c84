-- Rows whose field @F is blank (mapping option skip_blank: they are left out, and counted).
SELECT count(*) AS n FROM ingest_fields WHERE nullif(trim(@F), '') IS NULL;
