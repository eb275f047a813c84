-- Insert a validated survey upload as batch $batch_id (runs inside the load transaction). Each respondent
-- keeps its own survey mode (a wave may mix modes); $file_mode is the mapping's mode for the whole file.
-- Keys: the rows in file order take the keys $first_key, $first_key + 1, ... drawn by ingest/survey_keys. When
-- the rows' numbers have no gaps ($dense) that is _row + $offset, computed in place; otherwise a key table
-- (ingest_keys, empty when $dense) pairs each row with its key. Joining every answer cell to a key table cost
-- 15-20 s at 10M respondents (150M cells).
CREATE OR REPLACE TEMP TABLE ingest_keys AS
SELECT _row, $first_key - 1 + row_number() OVER (ORDER BY _row) AS respondent_key
FROM ingest_typed WHERE NOT $dense;

INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,
                         design_weight, weight, stratum, cluster, person_hash, survey_mode, wave,
                         interview_start, interview_end, duration_min)
SELECT CASE WHEN $dense THEN t._row + $offset ELSE k.respondent_key END, $batch_id, t.respondent_id,
       t.jurisdiction, t.interview_date,
       t.weight, t.weight, t.stratum, t.cluster, t.person_hash, coalesce(t.mode, CAST($file_mode AS VARCHAR)),
       nullif(trim(t.wave), ''), t.interview_start, t.interview_end,
       -- a duration the file gives wins; else the minutes between start and end
       coalesce(t.duration_min, epoch(t.interview_end - t.interview_start) / 60.0)
FROM ingest_typed t LEFT JOIN ingest_keys k USING (_row);

-- One INSERT, never a second one that adds nothing: in DuckDB 2.0.0 an INSERT of no rows after an INSERT into the
-- same table in one transaction left the table's statistics without the first INSERT's values once committed, and
-- that connection's later GROUP BY and filters skipped those rows (two survey loads on one connection: the second
-- batch's answers missing from every figure until the store was reopened; tests/data/test_ingest_load_twice.py).
INSERT INTO answers (respondent_key, batch_id, item, code)
SELECT CASE WHEN $dense THEN a._row + $offset ELSE k.respondent_key END, $batch_id, v.item, v.code
FROM ingest_answer_cells a JOIN ingest_answer_values v ON v.vid = a.vid
LEFT JOIN ingest_keys k USING (_row)  -- empty when $dense
WHERE v.code IS NOT NULL;
