-- How many respondents interviewed from $date_from to $date_to are now excluded after integrity alerts
-- (integrity_exclusions, not restored), per unit (jurisdiction at $level): the count the sensitivity view states.
SELECT j.ancestor_code AS unit, count(DISTINCT r.respondent_key) AS n_excluded
FROM integrity_exclusions x
JOIN respondents r ON r.respondent_key = x.respondent_key
JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
JOIN jurisdiction_ancestors j ON j.code = r.jurisdiction_code AND j.ancestor_level = $level
WHERE x.restored_at IS NULL AND r.interview_date BETWEEN $date_from AND $date_to
GROUP BY j.ancestor_code
ORDER BY unit;
