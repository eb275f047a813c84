-- The answers an upload cannot hold (after ingest/survey_answer_values and the cells of ingest_answers): each cell
-- whose value is not one of its item's codes, and each age out of range, with row, column and value.
INSERT INTO ingest_problems
SELECT a._row, v.header, v.raw, v.bad_code, v.bad_key,
       json_object('value', v.raw, 'item', v.item, 'valid', v.valid, 'dont_know', v.dont_know,
                   'low', v.scale_low, 'high', v.scale_high)
FROM ingest_answer_cells a JOIN ingest_answer_values v ON v.vid = a.vid AND v.bad;

-- Age in years is an open item (kept as given, banded when raking), but a number outside
-- [$age_min, $age_max] years cannot be a person's age: each such row is a problem (row, column, value).
INSERT INTO ingest_problems
SELECT a._row, v.header, v.raw, 'impossible_value', 'age_out_of_range',
       json_object('value', v.raw, 'min', $age_min, 'max', $age_max)
FROM ingest_answer_cells a JOIN ingest_answer_values v ON v.vid = a.vid
WHERE v.item = $age_item AND NOT coalesce(v.is_dk, false)
  AND (TRY_CAST(v.code AS DOUBLE) < $age_min OR TRY_CAST(v.code AS DOUBLE) > $age_max);
