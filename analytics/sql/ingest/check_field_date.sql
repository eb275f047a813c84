-- A date or time that does not parse, does not exist, or lies outside [min_date, max_date] (field @F).
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       json_object('value', f.@F, 'min', $min_date, 'max', $max_date)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND (t.@F IS NULL OR CAST(t.@F AS DATE) < $min_date OR CAST(t.@F AS DATE) > $max_date);
