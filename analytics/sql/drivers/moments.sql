-- requires: drivers/respondent_filter
-- Sufficient statistics of the respondent x variable matrix for key-driver analysis, per group.
-- $variables: item names (the outcome first, then the drivers). An answer counts when its code is
-- one of the item's substantive codes (items.codes) and numeric; don't-know / refused codes and
-- missing answers drop the respondent from every variable (listwise deletion), so every pair below
-- has the same base n. $group_level: NULL (one group 'all') or a jurisdiction level; respondents are
-- grouped by their ancestor at that level. Filters: $jurisdictions (respondents under any of these
-- codes), $date_from / $date_to on interview_date.
WITH resp AS (
    SELECT * FROM jm_driver_respondents($group_level, $date_from, $date_to, $jurisdictions)
),
vals AS (
    SELECT * FROM jm_driver_values($variables)
),
complete AS (
    SELECT respondent_key
    FROM vals
    GROUP BY respondent_key
    HAVING count(DISTINCT item) = len($variables)
),
cv AS (
    SELECT r.grp, v.respondent_key, v.item, v.v
    FROM vals v
    JOIN complete USING (respondent_key)
    JOIN resp r USING (respondent_key)
)
SELECT x.grp, x.item AS item_a, y.item AS item_b,
       count(*) AS n, sum(x.v) AS sum_a, sum(y.v) AS sum_b, sum(x.v * y.v) AS sum_ab
FROM cv x
JOIN cv y ON y.respondent_key = x.respondent_key
GROUP BY ALL
ORDER BY x.grp, item_a, item_b;
