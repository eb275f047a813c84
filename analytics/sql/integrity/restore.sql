-- Restore exclusions: those numbered in $ids (NULL: every active one) of respondents in the jurisdictions
-- $codes (NULL: all; any level, through the ancestors, so a station's village respondents are its own).
-- The rows stay, stamped with who restored them and when.
UPDATE integrity_exclusions x
SET restored_by = $actor, restored_at = current_timestamp
WHERE x.restored_at IS NULL
  AND (CAST($ids AS BIGINT[]) IS NULL OR list_contains(CAST($ids AS BIGINT[]), x.exclusion_id))
  AND (CAST($codes AS VARCHAR[]) IS NULL OR EXISTS (
          SELECT 1 FROM respondents r
          JOIN jurisdiction_ancestors a ON a.code = r.jurisdiction_code
          WHERE r.respondent_key = x.respondent_key AND list_contains(CAST($codes AS VARCHAR[]), a.ancestor_code)));
