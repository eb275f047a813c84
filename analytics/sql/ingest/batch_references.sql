-- What still refers to the jurisdictions a batch loaded: respondents, cases and child jurisdictions
-- from other batches (a jurisdictions batch is not removed while anything refers to it).
SELECT
    (SELECT count(*) FROM respondents r JOIN jurisdictions j ON j.code = r.jurisdiction_code
        WHERE j.batch_id = $batch_id) AS respondents,
    (SELECT count(*) FROM case_events e JOIN jurisdictions j ON j.code = e.jurisdiction_code
        WHERE j.batch_id = $batch_id) AS cases,
    (SELECT count(*) FROM jurisdictions c JOIN jurisdictions j ON j.code = c.parent_code
        WHERE j.batch_id = $batch_id AND c.batch_id IS DISTINCT FROM $batch_id) AS children;
