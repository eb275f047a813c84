-- Cross-products of the survey indicators in $indicators per jurisdiction (at $level) x wanted period x pair
-- (a <= b), over the respondents who answered both (don't-know excluded), with weight w (1 when $weighted is
-- false or the weight is missing). From these the correlation of two indicators' estimates is computed
-- (analytics.assessment): the estimates come from the same respondents, so their errors are correlated.
-- $without_excluded leaves out the respondents excluded after integrity alerts (the sensitivity view).
WITH wanted AS (
    SELECT unnest($labels) AS period, CAST(unnest($starts) AS DATE) AS period_start,
           CAST(unnest($ends) AS DATE) AS period_end
),
ind AS (
    SELECT key AS indicator, item, scoring FROM indicators WHERE enabled AND list_contains($indicators, key)
),
scored_codes AS (
    SELECT indicator, item, e.key AS code, e.value AS score
    FROM (SELECT indicator, item, unnest(map_entries(CAST(scoring AS MAP(VARCHAR, DOUBLE)))) AS e FROM ind)
),
scored AS MATERIALIZED (
    SELECT r.respondent_key, anc.ancestor_code AS jurisdiction, w.period, s.indicator, s.score AS y,
           CASE WHEN $weighted THEN coalesce(r.weight, 1.0) ELSE 1.0 END AS w
    FROM answers a
    JOIN scored_codes s ON s.item = a.item AND s.code = a.code
    JOIN respondents r ON r.respondent_key = a.respondent_key
    JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    JOIN jurisdiction_ancestors anc ON anc.code = r.jurisdiction_code AND anc.ancestor_level = $level
    JOIN wanted w ON r.interview_date BETWEEN w.period_start AND w.period_end
    WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, anc.ancestor_code))
      AND (NOT $without_excluded OR r.respondent_key NOT IN (
              SELECT respondent_key FROM integrity_exclusions WHERE restored_at IS NULL))
)
SELECT x.jurisdiction, x.period, x.indicator AS a, y.indicator AS b,
       count(*) AS n_ab,
       sum(x.w) AS sw, sum(x.w * x.y) AS swa, sum(x.w * y.y) AS swb,
       sum(x.w * x.w) AS sw2, sum(x.w * x.w * x.y) AS sw2a, sum(x.w * x.w * y.y) AS sw2b,
       sum(x.w * x.w * x.y * y.y) AS sw2ab
FROM scored x
JOIN scored y ON y.respondent_key = x.respondent_key AND y.period = x.period AND x.indicator <= y.indicator
GROUP BY ALL;
