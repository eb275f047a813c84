-- What the load summary says about a survey upload (one row).
SELECT
    (SELECT count(*) FROM ingest_typed) AS respondents,
    (SELECT count(*) FROM ingest_answers a JOIN ingest_answer_values v USING (vid) WHERE v.code IS NOT NULL) AS answers,
    (SELECT count(*) FROM ingest_answers a JOIN ingest_answer_values v USING (vid) WHERE v.is_dk) AS dont_know,
    (SELECT count(*) FROM ingest_typed t JOIN jurisdictions j ON j.code = t.jurisdiction WHERE j.level <> 'station')
        AS not_station_rows,
    (SELECT count(*) FROM (
        SELECT person_hash, row_number() OVER (PARTITION BY person_hash ORDER BY _row) AS k
        FROM ingest_typed WHERE person_hash IS NOT NULL) WHERE k > 1) AS repeat_in_file,
    (SELECT count(*) FROM ingest_typed t
        WHERE t.person_hash IS NOT NULL AND EXISTS (
            SELECT 1 FROM respondents r JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
            WHERE r.person_hash = t.person_hash)) AS repeat_loaded,
    (SELECT min(interview_date) FROM ingest_typed) AS first_date,
    (SELECT max(interview_date) FROM ingest_typed) AS last_date;
