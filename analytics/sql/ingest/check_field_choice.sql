-- A value the field's map does not know or maps outside its choices (field @F; $valid names them).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'invalid_value', 'invalid_value',
       json_object('value', trim(f.@F), 'field', '@F', 'valid', $valid)
FROM ingest_fields f
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                  AND (v.code IS NULL OR list_contains($choices, v.code)));
