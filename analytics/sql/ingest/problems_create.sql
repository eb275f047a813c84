-- An empty problem table for the connection's current file (row as in the file, column header, value,
-- problem code, message key and its parameters as JSON).
CREATE OR REPLACE TEMP TABLE ingest_problems (row_no BIGINT, column_name VARCHAR, value VARCHAR,
    code VARCHAR NOT NULL, msg_key VARCHAR NOT NULL, params VARCHAR NOT NULL DEFAULT '{}');
