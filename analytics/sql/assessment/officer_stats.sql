-- Internal-evaluation figures per officer: station x officer x wanted period x measure (rows with an officer id
-- only), for the stations in $stations (already narrowed to what the user may see). Same pooling as
-- internal_stats.sql.
WITH wanted AS (
    SELECT unnest($labels) AS period, CAST(unnest($starts) AS DATE) AS period_start,
           CAST(unnest($ends) AS DATE) AS period_end
),
picked AS (
    SELECT v.jurisdiction_code AS jurisdiction, v.officer_id, w.period, w.period_start, v.measure, v.numerator,
           v.denominator, v.score, v.score_sd, v.n_tested
    FROM internal_values v
    JOIN batches b ON b.batch_id = v.batch_id AND b.status = 'loaded'
    JOIN wanted w ON v.period_start >= w.period_start AND v.period_end <= w.period_end
    WHERE v.officer_id IS NOT NULL
      AND ($stations IS NULL OR list_contains($stations, v.jurisdiction_code))
)
SELECT p.jurisdiction, p.officer_id, p.period, p.period_start, p.measure, m.kind, m.scale_min, m.scale_max, m.unit,
       sum(p.numerator) AS numerator, sum(p.denominator) AS denominator, sum(p.n_tested) AS n_tested,
       sum(p.n_tested * p.score) / nullif(sum(p.n_tested), 0) AS mean_score,
       CASE WHEN count(p.score_sd) = count(*) THEN
           sum((p.n_tested - 1) * p.score_sd * p.score_sd)
           + greatest(sum(p.n_tested * p.score * p.score)
                      - sum(p.n_tested * p.score) * sum(p.n_tested * p.score) / nullif(sum(p.n_tested), 0), 0)
       END AS pooled_ss
FROM picked p
JOIN internal_measures m ON m.key = p.measure
GROUP BY ALL
ORDER BY p.jurisdiction, p.officer_id, p.measure, p.period_start;
