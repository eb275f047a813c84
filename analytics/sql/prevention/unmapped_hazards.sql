-- requires: ingest/record_macros
-- Labels of a hazards upload that no value map knows (family 'other'): field, label, rows.
SELECT * FROM jm_unmapped_labels(['place_category', 'severity']);
