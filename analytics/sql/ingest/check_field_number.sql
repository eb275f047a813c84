-- A number that does not parse, is not finite or is not positive (field @F).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number',
       CASE WHEN t.@F IS NOT NULL AND NOT isfinite(t.@F) THEN 'not_finite' ELSE 'not_positive' END,
       json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F) OR t.@F <= 0);
