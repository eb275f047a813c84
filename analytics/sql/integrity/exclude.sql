-- Exclude the respondents $keys (with the check $reasons named, in parallel) from the sensitivity view, for
-- period $period, by $actor; a respondent already excluded (not restored) is not excluded twice.
INSERT INTO integrity_exclusions (respondent_key, period, reason, excluded_by)
SELECT k.respondent_key, $period, k.reason, $actor
FROM (SELECT unnest(CAST($keys AS BIGINT[])) AS respondent_key, unnest(CAST($reasons AS VARCHAR[])) AS reason) k
WHERE NOT EXISTS (SELECT 1 FROM integrity_exclusions x
                  WHERE x.respondent_key = k.respondent_key AND x.restored_at IS NULL);
