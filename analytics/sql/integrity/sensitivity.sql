-- The sensitivity view: per unit (jurisdiction at $level), the indicator $indicator's base and score sum from
-- every respondent interviewed from $date_from to $date_to, and the same without the respondents now excluded
-- (integrity_exclusions not restored). Unweighted: the view asks whether a rank rests on doubtful answers,
-- not what the weighted estimate is.
WITH sc AS (
    SELECT item, e.key AS code, e.value AS score
    FROM (SELECT item, unnest(map_entries(CAST(scoring AS MAP(VARCHAR, DOUBLE)))) AS e
          FROM indicators WHERE key = $indicator)
),
x AS (
    SELECT DISTINCT respondent_key FROM integrity_exclusions WHERE restored_at IS NULL
)
SELECT j.ancestor_code AS unit,
       count(*) AS n,
       sum(sc.score) AS sum_y,
       count(*) FILTER (WHERE x.respondent_key IS NULL) AS n_kept,
       coalesce(sum(sc.score) FILTER (WHERE x.respondent_key IS NULL), 0) AS sum_y_kept,
       count(x.respondent_key) AS n_excluded
FROM answers a
JOIN sc ON sc.item = a.item AND sc.code = a.code
JOIN respondents r ON r.respondent_key = a.respondent_key
JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
JOIN jurisdiction_ancestors j ON j.code = r.jurisdiction_code AND j.ancestor_level = $level
LEFT JOIN x ON x.respondent_key = r.respondent_key
WHERE r.interview_date BETWEEN $date_from AND $date_to
GROUP BY j.ancestor_code
ORDER BY unit;
