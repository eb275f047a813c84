-- requires: ingest/record_macros
-- Labels of a disputes upload that no value map knows (family 'other'): field, label, rows.
SELECT * FROM jm_unmapped_labels(['source', 'dispute_type', 'mediation_result']);
