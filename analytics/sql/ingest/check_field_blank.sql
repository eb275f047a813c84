-- A required or numeric field left blank, or given a value its map sends to blank (field @F).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), NULL, 'missing_value', 'blank', json_object('field', '@F')
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NULL
   OR (t.@F IS NULL AND EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                                                          AND v.code IS NULL));
