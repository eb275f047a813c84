-- jm_cells(batch): sufficient statistics per indicator x respondent's jurisdiction x month x wave x stratum, over all
-- respondents (batch NULL) or one batch's. A PSU is the respondent's cluster when the file gave one, else the
-- respondent itself. Clusters are assumed to nest within jurisdiction, month and wave (true for surveys fielded
-- per station and wave). wave is '' for respondents without a wave label, so data without waves has exactly
-- the cells it had before waves existed, and month-based figures (which sum over wave) are unchanged.
-- A respondent who is its own PSU has one answer per item (the loader rejects two columns mapped to one
-- item), so its PSU sums are the answer's own values and need no grouping by respondent: grouping tens of
-- millions of PSUs is what made the rebuild slow and memory-hungry at province scale.
CREATE OR REPLACE TEMP MACRO jm_cells(batch) AS TABLE
WITH ind AS (
    SELECT key AS indicator, item, scoring, dk_codes FROM indicators WHERE enabled
),
scored_codes AS (
    SELECT indicator, item, e.key AS code, e.value AS score, FALSE AS is_dk
    FROM (SELECT indicator, item, unnest(map_entries(CAST(scoring AS MAP(VARCHAR, DOUBLE)))) AS e FROM ind)
    UNION ALL
    SELECT indicator, item, dk AS code, NULL AS score, TRUE AS is_dk
    FROM (SELECT indicator, item, unnest(CAST(dk_codes AS VARCHAR[])) AS dk FROM ind)
),
scored AS (
    SELECT s.indicator,
           r.jurisdiction_code,
           CAST(date_trunc('month', r.interview_date) AS DATE) AS month,
           COALESCE(r.wave, '') AS wave,
           COALESCE(r.stratum, '') AS stratum,
           r.cluster,
           COALESCE(r.weight, 1.0) AS w,
           s.score AS y,
           s.is_dk
    FROM answers a
    JOIN scored_codes s ON s.item = a.item AND s.code = a.code
    JOIN respondents r ON r.respondent_key = a.respondent_key
    WHERE (batch IS NULL OR (a.batch_id = batch AND r.batch_id = batch))
),
psu AS (
    SELECT indicator, jurisdiction_code, month, wave, stratum,
           count(*) FILTER (WHERE NOT is_dk) AS n,
           count(*) FILTER (WHERE is_dk) AS n_dk,
           COALESCE(sum(y), 0) AS sum_y,
           COALESCE(sum(y * y), 0) AS sum_y2,
           COALESCE(sum(w) FILTER (WHERE NOT is_dk), 0) AS sum_w,
           COALESCE(sum(w * w) FILTER (WHERE NOT is_dk), 0) AS sum_w2,
           COALESCE(sum(w * y), 0) AS sum_wy
    FROM scored
    WHERE cluster IS NOT NULL
    GROUP BY indicator, jurisdiction_code, month, wave, stratum, cluster
    UNION ALL
    SELECT indicator, jurisdiction_code, month, wave, stratum,
           CASE WHEN is_dk THEN 0 ELSE 1 END,
           CASE WHEN is_dk THEN 1 ELSE 0 END,
           COALESCE(y, 0),
           COALESCE(y * y, 0),
           CASE WHEN is_dk THEN 0 ELSE w END,
           CASE WHEN is_dk THEN 0 ELSE w * w END,
           COALESCE(w * y, 0)
    FROM scored
    WHERE cluster IS NULL
)
SELECT indicator, jurisdiction_code, month, wave, stratum,
       sum(n) AS n,
       sum(n_dk) AS n_dk,
       count(*) FILTER (WHERE n > 0) AS n_psu,
       sum(sum_y) AS sum_y, sum(sum_y2) AS sum_y2, sum(sum_w) AS sum_w, sum(sum_w2) AS sum_w2,
       sum(sum_wy) AS sum_wy,
       sum(sum_wy * sum_wy) AS psu_aa, sum(sum_wy * sum_w) AS psu_ab, sum(sum_w * sum_w) AS psu_bb
FROM psu
GROUP BY indicator, jurisdiction_code, month, wave, stratum;
