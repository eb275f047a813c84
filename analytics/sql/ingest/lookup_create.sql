-- Each distinct text of a parsed field once: its timestamp or code.
CREATE OR REPLACE TEMP TABLE ingest_lookup (field VARCHAR, raw VARCHAR, ts TIMESTAMP, code VARCHAR);
