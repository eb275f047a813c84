-- A decimal that does not parse or is not finite (field @F; zero and negative values are fine).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_finite', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F));
