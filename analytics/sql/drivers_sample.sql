-- A seeded sample of at most $max_rows complete respondents per group for the bootstrap, as one
-- vector of values per respondent in the order of $variables. Same variables, validity rules,
-- listwise deletion, groups and filters as drivers_moments.sql. The sample takes the respondents
-- with the smallest hash(respondent_key, $seed) in each group: a simple random sample without
-- replacement that is reproducible for a seed regardless of threads.
WITH resp AS (
    SELECT r.respondent_key,
           CASE WHEN $group_level IS NULL THEN 'all' ELSE g.ancestor_code END AS grp
    FROM respondents r
    LEFT JOIN jurisdiction_ancestors g ON g.code = r.jurisdiction_code AND g.ancestor_level = $group_level
    WHERE ($date_from IS NULL OR r.interview_date >= $date_from)
      AND ($date_to IS NULL OR r.interview_date <= $date_to)
      AND ($jurisdictions IS NULL OR EXISTS (
              SELECT 1 FROM jurisdiction_ancestors f
              WHERE f.code = r.jurisdiction_code AND list_contains($jurisdictions, f.ancestor_code)))
      AND ($group_level IS NULL OR g.ancestor_code IS NOT NULL)
),
vals AS (
    SELECT a.respondent_key, a.item, TRY_CAST(a.code AS DOUBLE) AS v
    FROM answers a
    JOIN items i ON i.item = a.item
    WHERE list_contains($variables, a.item)
      AND list_contains(json_keys(i.codes), a.code)
      AND TRY_CAST(a.code AS DOUBLE) IS NOT NULL
),
vectors AS (
    SELECT respondent_key,
           list(v ORDER BY list_position($variables, item)) AS x,
           count(DISTINCT item) AS k
    FROM vals
    GROUP BY respondent_key
)
SELECT r.grp, r.respondent_key, v.x
FROM vectors v
JOIN resp r USING (respondent_key)
WHERE v.k = len($variables)
QUALIFY row_number() OVER (PARTITION BY r.grp ORDER BY hash(r.respondent_key, $seed), r.respondent_key) <= $max_rows
ORDER BY r.grp, r.respondent_key;
