-- A count that is not a whole number of at least 0 (field @F).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_count', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR t.@F < 0);
