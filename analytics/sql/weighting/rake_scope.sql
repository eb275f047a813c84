-- The working weights: respondents of the chosen batches ($batches: list of ids) that are not removed, starting
-- from the design weight (missing = 1).
CREATE TEMP TABLE _jm_rake_w AS
SELECT r.respondent_key, r.jurisdiction_code, COALESCE(r.design_weight, 1.0) AS w0,
       COALESCE(r.design_weight, 1.0) AS w
FROM respondents r
WHERE list_contains($batches, r.batch_id)
  AND r.batch_id NOT IN (SELECT batch_id FROM batches WHERE status = 'removed');
