-- Respondent ids of a survey upload seen more than once, in the file or among loaded batches. Reads only the
-- typed rows (ingest_typed): the pipeline frees the file's text copies (ingest_raw) before this runs, since
-- the grouping by id is one of the upload's largest intermediates (issue 21, memory).

-- Ids seen more than once are found by one aggregation; only their rows are ranked.
INSERT INTO ingest_problems
SELECT _row, jm_h('respondent_id'), respondent_id, 'duplicate_id', 'duplicate_respondent_id',
       json_object('id', respondent_id, 'first_row', first_row)
FROM (
    SELECT _row, respondent_id, min(_row) OVER (PARTITION BY respondent_id) AS first_row
    FROM ingest_typed
    WHERE respondent_id IN (SELECT respondent_id FROM ingest_typed WHERE respondent_id IS NOT NULL
                            GROUP BY respondent_id HAVING count(*) > 1)
)
WHERE _row > first_row;

INSERT INTO ingest_problems
SELECT t._row, jm_h('respondent_id'), t.respondent_id, 'duplicate_loaded', 'duplicate_loaded',
       json_object('id', t.respondent_id, 'batch', r.batch_id)
FROM ingest_typed t
JOIN (
    SELECT r.respondent_id, min(r.batch_id) AS batch_id
    FROM respondents r JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    GROUP BY 1
) r ON r.respondent_id = t.respondent_id;
