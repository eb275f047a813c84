-- Remove exactly one batch's rows (inside the removal transaction) and mark the batch removed.
-- Jurisdictions the batch created go too, unless something else still refers to them.
DELETE FROM answers WHERE batch_id = $batch_id;

DELETE FROM respondents WHERE batch_id = $batch_id;

DELETE FROM case_events WHERE batch_id = $batch_id;

DELETE FROM internal_values WHERE batch_id = $batch_id;

DELETE FROM jurisdictions j
WHERE j.batch_id = $batch_id
  AND NOT EXISTS (SELECT 1 FROM respondents r WHERE r.jurisdiction_code = j.code)
  AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.jurisdiction_code = j.code)
  AND NOT EXISTS (SELECT 1 FROM jurisdictions c WHERE c.parent_code = j.code AND c.batch_id IS DISTINCT FROM $batch_id);

UPDATE batches SET status = 'removed', removed_at = current_timestamp WHERE batch_id = $batch_id;
