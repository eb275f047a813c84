-- requires: ingest/record_macros
-- Hazard-specific checks: a hazard id once per file; rectification and deadline not before the finding.
INSERT INTO ingest_problems SELECT * FROM jm_repeated_id_problems('hazard_id');
INSERT INTO ingest_problems SELECT * FROM jm_date_order_problems('rectified_at', 'found_at', '%Y-%m-%d');
INSERT INTO ingest_problems SELECT * FROM jm_date_order_problems('deadline', 'found_at', '%Y-%m-%d');
