-- requires: calendar/jm_calendar
-- What the respondents now excluded after integrity alerts (integrity_exclusions, not restored) add to the
-- sufficient statistics of indicator_stats, in its shape (indicator x jurisdiction at $level x period x stratum),
-- so that indicator_stats minus this is indicator_stats over the respondents kept (the sensitivity view of the
-- assessment). Same parameters as indicator_stats except the date range.
-- Sums of respondent values subtract exactly. The PSU cross-products (psu_aa, psu_ab, psu_bb) and n_psu do not:
-- a PSU loses only its excluded members, so per PSU holding an excluded respondent the delta is
-- (full PSU sums)² − (kept PSU sums)², and n_psu drops by one when no substantive answer is left in it. A
-- respondent without a cluster is its own PSU (as in indicator_cells_macro), so there the delta is its own
-- values. Only PSUs holding an excluded respondent are read: the exclusion list is small.
WITH x AS (
    SELECT DISTINCT respondent_key FROM integrity_exclusions WHERE restored_at IS NULL
),
ind AS (
    SELECT key AS indicator, item, scoring, dk_codes FROM indicators
    WHERE enabled AND ($indicators IS NULL OR list_contains($indicators, key))
),
scored_codes AS (
    SELECT indicator, item, e.key AS code, e.value AS score, FALSE AS is_dk
    FROM (SELECT indicator, item, unnest(map_entries(CAST(scoring AS MAP(VARCHAR, DOUBLE)))) AS e FROM ind)
    UNION ALL
    SELECT indicator, item, dk AS code, NULL AS score, TRUE AS is_dk
    FROM (SELECT indicator, item, unnest(CAST(dk_codes AS VARCHAR[])) AS dk FROM ind)
),
people AS (
    SELECT r.respondent_key, r.jurisdiction_code, CAST(date_trunc('month', r.interview_date) AS DATE) AS month,
           COALESCE(r.wave, '') AS wave, COALESCE(r.stratum, '') AS stratum, r.cluster,
           COALESCE(r.weight, 1.0) AS w, x.respondent_key IS NOT NULL AS excluded
    FROM respondents r
    LEFT JOIN x ON x.respondent_key = r.respondent_key
),
touched_clusters AS (
    SELECT DISTINCT jurisdiction_code, month, wave, stratum, cluster
    FROM people WHERE excluded AND cluster IS NOT NULL
),
members AS (
    SELECT p.*, COALESCE(p.cluster, 'respondent:' || CAST(p.respondent_key AS VARCHAR)) AS psu
    FROM people p
    WHERE p.excluded
    UNION ALL
    SELECT p.*, p.cluster AS psu
    FROM people p
    JOIN touched_clusters t ON t.jurisdiction_code = p.jurisdiction_code AND t.month = p.month AND t.wave = p.wave
         AND t.stratum = p.stratum AND t.cluster = p.cluster
    WHERE NOT p.excluded
),
scored AS (
    SELECT s.indicator, m.jurisdiction_code, m.month, m.stratum, m.wave, m.psu, m.w, s.score AS y, s.is_dk,
           m.excluded
    FROM members m
    JOIN answers a ON a.respondent_key = m.respondent_key
    JOIN scored_codes s ON s.item = a.item AND s.code = a.code
),
psu AS (
    SELECT indicator, jurisdiction_code, month, wave, stratum, psu,
           count(*) FILTER (WHERE NOT is_dk) AS n_all,
           count(*) FILTER (WHERE NOT is_dk AND NOT excluded) AS n_kept,
           count(*) FILTER (WHERE is_dk AND excluded) AS d_n_dk,
           COALESCE(sum(y) FILTER (WHERE excluded), 0) AS d_sum_y,
           COALESCE(sum(y * y) FILTER (WHERE excluded), 0) AS d_sum_y2,
           COALESCE(sum(w) FILTER (WHERE NOT is_dk AND excluded), 0) AS d_sum_w,
           COALESCE(sum(w * w) FILTER (WHERE NOT is_dk AND excluded), 0) AS d_sum_w2,
           COALESCE(sum(w * y) FILTER (WHERE excluded), 0) AS d_sum_wy,
           COALESCE(sum(w * y), 0) AS a_all, COALESCE(sum(w * y) FILTER (WHERE NOT excluded), 0) AS a_kept,
           COALESCE(sum(w) FILTER (WHERE NOT is_dk), 0) AS b_all,
           COALESCE(sum(w) FILTER (WHERE NOT is_dk AND NOT excluded), 0) AS b_kept
    FROM scored
    GROUP BY indicator, jurisdiction_code, month, wave, stratum, psu
),
bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM indicator_cells
)
SELECT p.indicator, anc.ancestor_code AS jurisdiction, cal.period, cal.period_start, cal.period_end, p.stratum,
       sum(p.n_all - p.n_kept) AS n, sum(p.d_n_dk) AS n_dk,
       sum(CASE WHEN p.n_all > 0 THEN 1 ELSE 0 END - CASE WHEN p.n_kept > 0 THEN 1 ELSE 0 END) AS n_psu,
       sum(p.d_sum_y) AS sum_y, sum(p.d_sum_y2) AS sum_y2, sum(p.d_sum_w) AS sum_w, sum(p.d_sum_w2) AS sum_w2,
       sum(p.d_sum_wy) AS sum_wy,
       sum(p.a_all * p.a_all - p.a_kept * p.a_kept) AS psu_aa,
       sum(p.a_all * p.b_all - p.a_kept * p.b_kept) AS psu_ab,
       sum(p.b_all * p.b_all - p.b_kept * p.b_kept) AS psu_bb
FROM psu p
JOIN jurisdiction_ancestors anc ON anc.code = p.jurisdiction_code AND anc.ancestor_level = $level
JOIN jm_calendar($period_kind, (SELECT first_month FROM bounds), (SELECT last_month FROM bounds)) cal
  ON cal.month = p.month
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, anc.ancestor_code))
  AND ($period_starts IS NULL OR list_contains($period_starts, cal.period_start))
GROUP BY ALL
ORDER BY p.indicator, jurisdiction, cal.period_start, p.stratum;
