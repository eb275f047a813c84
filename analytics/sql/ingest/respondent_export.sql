-- One row per answer of one survey batch, for the respondent-level download (analysts and admins only).
-- Deliberately without person_hash (the keyed hash of a phone or ID number) or any other personal data:
-- the respondent id as the file gave it (respondent_key is internal and dropped), jurisdiction, date, weights, design variables and answer codes.
SELECT r.respondent_key, r.batch_id, r.respondent_id, r.jurisdiction_code AS jurisdiction, r.interview_date, coalesce(r.survey_mode, b.survey_mode) AS mode,
       r.design_weight, r.weight, r.stratum, r.cluster, a.item, a.code
FROM respondents r
JOIN batches b ON b.batch_id = r.batch_id
LEFT JOIN answers a ON a.respondent_key = r.respondent_key
WHERE r.batch_id = $batch_id
ORDER BY r.respondent_key, a.item;
