-- requires: calendar/jm_calendar
-- One indicator's sufficient statistics per group (the answer code of $group_item) for the respondents of
-- $jurisdiction (any level, through jurisdiction_ancestors) in period $period of kind $period_kind.
-- Each respondent is its own PSU here (clusters and strata are not used for group breakdowns): sums of
-- w²y², w²y and w² give the linearised variance of the ratio Σwy/Σw. Respondents without an answer to
-- $group_item form the group NULL ("not given"). Don't-know answers to the indicator are not in the base.
WITH ind AS (
    SELECT item, CAST(scoring AS MAP(VARCHAR, DOUBLE)) AS scoring FROM indicators WHERE key = $indicator
),
bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM indicator_cells
),
months AS (
    SELECT month FROM jm_calendar($period_kind, (SELECT first_month FROM bounds), (SELECT last_month FROM bounds))
    WHERE period = $period
),
scored AS (
    SELECT r.respondent_key, COALESCE(r.weight, 1.0) AS w, element_at(ind.scoring, a.code)[1] AS y
    FROM respondents r
    JOIN jurisdiction_ancestors up ON up.code = r.jurisdiction_code AND up.ancestor_code = $jurisdiction
    JOIN answers a ON a.respondent_key = r.respondent_key
    JOIN ind ON ind.item = a.item
    WHERE CAST(date_trunc('month', r.interview_date) AS DATE) IN (SELECT month FROM months)
),
grouped AS (
    SELECT s.*, g.code AS grp
    FROM scored s
    LEFT JOIN answers g ON g.respondent_key = s.respondent_key AND g.item = $group_item
    WHERE s.y IS NOT NULL
)
SELECT grp AS "group",
       count(*) AS n,
       sum(y) AS sum_y,
       sum(y * y) AS sum_y2,
       sum(w) AS sum_w,
       sum(w * w) AS sum_w2,
       sum(w * y) AS sum_wy,
       sum(w * w * y) AS sum_w2y,
       sum(w * w * y * y) AS sum_w2y2
FROM grouped
GROUP BY grp
ORDER BY grp NULLS LAST;
