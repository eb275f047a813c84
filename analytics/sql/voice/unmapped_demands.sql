-- requires: ingest/record_macros
-- Labels of a demands upload that no value map knows (family 'other', label kept): field, label, rows.
SELECT * FROM jm_unmapped_labels(['channel', 'status']);
