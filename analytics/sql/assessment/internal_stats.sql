-- Internal-evaluation figures per jurisdiction (at $level) x wanted period x measure, from loaded batches.
-- A wanted period ($labels with first days $starts and last days $ends) takes every row whose own period lies
-- inside it (a quarter takes its months' rows and its own quarter row; a row for a longer period is left out).
-- Per station, period row and measure, rows without an officer id are the unit's figure; only when there are
-- none are the officers' rows summed, so a file giving both is not counted twice.
-- Rates: numerator and denominator summed. Means: the pooled mean of the scores weighted by the number tested,
-- with the pooled sum of squares Σ(n-1)sd² + Σ n (score - mean)² where every row gave its sd (else NULL).
WITH wanted AS (
    SELECT unnest($labels) AS period, CAST(unnest($starts) AS DATE) AS period_start,
           CAST(unnest($ends) AS DATE) AS period_end
),
rows AS (
    SELECT v.*,
           bool_or(v.officer_id IS NULL) OVER (PARTITION BY v.jurisdiction_code, v.period, v.measure) AS has_unit
    FROM internal_values v
    JOIN batches b ON b.batch_id = v.batch_id AND b.status = 'loaded'
),
picked AS (
    SELECT a.ancestor_code AS jurisdiction, w.period, w.period_start, w.period_end, r.*
           EXCLUDE (period, period_start, period_end)
    FROM rows r
    JOIN jurisdiction_ancestors a ON a.code = r.jurisdiction_code AND a.ancestor_level = $level
    JOIN wanted w ON r.period_start >= w.period_start AND r.period_end <= w.period_end
    WHERE (r.officer_id IS NULL OR NOT r.has_unit)
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($measures IS NULL OR list_contains($measures, r.measure))
),
pooled AS (
    SELECT jurisdiction, period, period_start, period_end, measure,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           sum(n_tested) AS n_tested,
           sum(n_tested * score) / nullif(sum(n_tested), 0) AS mean_score,
           count(*) AS n_rows, count(score_sd) AS n_sd,
           sum((n_tested - 1) * score_sd * score_sd) AS ss_within,
           sum(n_tested * score) AS s1, sum(n_tested * score * score) AS s2
    FROM picked
    GROUP BY ALL
)
SELECT p.jurisdiction, p.period, p.period_start, p.period_end, p.measure, m.kind, m.scale_min, m.scale_max, m.unit,
       p.numerator, p.denominator, p.n_tested, p.mean_score,
       -- Σ n (score - mean)² = Σ n score² - N mean²
       CASE WHEN p.n_sd = p.n_rows THEN p.ss_within + greatest(p.s2 - p.n_tested * p.mean_score * p.mean_score, 0) END
           AS pooled_ss
FROM pooled p
JOIN internal_measures m ON m.key = p.measure
ORDER BY p.measure, p.jurisdiction, p.period_start;
