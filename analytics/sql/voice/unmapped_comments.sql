-- requires: ingest/record_macros
-- Labels of a comments upload that no value map knows (family 'other', label kept): field, label, rows.
SELECT * FROM jm_unmapped_labels(['source']);
