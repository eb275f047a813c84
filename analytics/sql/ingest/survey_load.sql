-- Insert a validated survey upload as batch $batch_id (runs inside the load transaction). Each respondent
-- keeps its own survey mode (a wave may mix modes); $file_mode is the mapping's mode for the whole file.
CREATE OR REPLACE TEMP TABLE ingest_keys AS
SELECT _row, nextval('respondent_key_seq') AS respondent_key FROM ingest_typed;

INSERT INTO respondents (respondent_key, batch_id, respondent_id, jurisdiction_code, interview_date,
                         design_weight, weight, stratum, cluster, person_hash, survey_mode, wave,
                         interview_start, interview_end, duration_min)
SELECT k.respondent_key, $batch_id, t.respondent_id, t.jurisdiction, t.interview_date,
       t.weight, t.weight, t.stratum, t.cluster, t.person_hash, coalesce(t.mode, CAST($file_mode AS VARCHAR)),
       nullif(trim(t.wave), ''), t.interview_start, t.interview_end,
       -- a duration the file gives wins; else the minutes between start and end
       coalesce(t.duration_min, epoch(t.interview_end - t.interview_start) / 60.0)
FROM ingest_typed t JOIN ingest_keys k USING (_row);

INSERT INTO answers (respondent_key, batch_id, item, code)
SELECT k.respondent_key, $batch_id, v.item, v.code
FROM ingest_answers a JOIN ingest_keys k USING (_row) JOIN ingest_answer_values v ON v.vid = a.vid
WHERE v.code IS NOT NULL;
