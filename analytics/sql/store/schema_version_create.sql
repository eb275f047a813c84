-- The migrations applied to this database (analytics/migrations/NNNN_name.sql), one row each.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
