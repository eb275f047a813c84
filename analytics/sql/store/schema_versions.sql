-- The migration versions already applied.
SELECT version FROM schema_version;
