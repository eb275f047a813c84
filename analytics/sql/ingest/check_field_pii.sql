-- A phone or ID-card number in a field that is not the person key (field @F): shown masked.
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), jm_mask(f.@F), 'personal_data', 'pii_value', json_object()
FROM ingest_fields f
WHERE jm_is_phone(f.@F) OR jm_is_id(f.@F);
