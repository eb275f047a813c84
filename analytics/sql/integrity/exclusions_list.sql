-- Every exclusion (active and restored) of respondents at the stations in $codes (NULL: all), newest first.
SELECT x.exclusion_id, x.respondent_key, r.respondent_id, r.batch_id, r.jurisdiction_code AS station,
       r.interview_date, x.period, x.reason, x.excluded_by, x.excluded_at, x.restored_by, x.restored_at,
       x.restored_at IS NULL AS active
FROM integrity_exclusions x
LEFT JOIN respondents r ON r.respondent_key = x.respondent_key
WHERE CAST($codes AS VARCHAR[]) IS NULL OR list_contains(CAST($codes AS VARCHAR[]), r.jurisdiction_code)
ORDER BY x.excluded_at DESC, x.exclusion_id DESC;
