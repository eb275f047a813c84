-- Restore exclusions: those numbered in $ids (NULL: every active one) of respondents at the stations in
-- $codes (NULL: all). The rows stay, stamped with who restored them and when.
UPDATE integrity_exclusions x
SET restored_by = $actor, restored_at = current_timestamp
WHERE x.restored_at IS NULL
  AND (CAST($ids AS BIGINT[]) IS NULL OR list_contains(CAST($ids AS BIGINT[]), x.exclusion_id))
  AND (CAST($codes AS VARCHAR[]) IS NULL OR EXISTS (
          SELECT 1 FROM respondents r
          WHERE r.respondent_key = x.respondent_key AND list_contains(CAST($codes AS VARCHAR[]), r.jurisdiction_code)));
