-- requires: jurisdictions/row_place
-- Every exclusion (active and restored) of respondents in the jurisdictions $codes (NULL: all; any level: a
-- respondent coded to a village is in its station's, district's and city's), newest first, with the
-- respondent's station and community (jm_row_place).
SELECT x.exclusion_id, x.respondent_key, r.respondent_id, r.batch_id, pl.station, pl.community,
       pl.community_name_zh, pl.community_name_en, r.interview_date, x.period, x.reason, x.excluded_by,
       x.excluded_at, x.restored_by, x.restored_at, x.restored_at IS NULL AS active
FROM integrity_exclusions x
LEFT JOIN respondents r ON r.respondent_key = x.respondent_key
LEFT JOIN jm_row_place() pl ON pl.code = r.jurisdiction_code
WHERE CAST($codes AS VARCHAR[]) IS NULL OR EXISTS (
          SELECT 1 FROM jurisdiction_ancestors a
          WHERE a.code = r.jurisdiction_code AND list_contains(CAST($codes AS VARCHAR[]), a.ancestor_code))
ORDER BY x.excluded_at DESC, x.exclusion_id DESC;
