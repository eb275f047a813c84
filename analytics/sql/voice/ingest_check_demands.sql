-- requires: ingest/record_macros
-- Demand-specific checks: a demand id once per file; the answer not before the demand was received.
INSERT INTO ingest_problems SELECT * FROM jm_repeated_id_problems('demand_id');
INSERT INTO ingest_problems SELECT * FROM jm_date_order_problems('answered_at', 'received_at', '%Y-%m-%d %H:%M');
