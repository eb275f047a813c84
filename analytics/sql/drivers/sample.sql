-- requires: drivers/respondent_filter
-- A seeded sample of at most $max_rows complete respondents per group for the bootstrap, as one
-- vector of values per respondent in the order of $variables. Same variables, validity rules,
-- listwise deletion, groups and filters as drivers/moments.sql. The sample takes the respondents
-- with the smallest hash(respondent_key, $seed) in each group: a simple random sample without
-- replacement that is reproducible for a seed regardless of threads.
WITH resp AS (
    SELECT * FROM jm_driver_respondents($group_level, $date_from, $date_to, $jurisdictions)
),
vals AS (
    SELECT * FROM jm_driver_values($variables)
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
