-- requires: calendar/jm_calendar, prevention/escalation_links
-- Prevention metrics per jurisdiction (at $level) x period, long form: one row per metric with base n,
-- numerator x (rates) or value (counts, medians). Definitions: analytics/prevention.py and docs/prevention.md.
-- A dispute or hazard belongs to the period of its found date, an unsolved case to that of its report.
-- $as_of (DATE) decides what is due: an escalation rate counts only disputes whose whole window has
-- passed; on-time rates only records past their deadline or done; "overdue now" is as of that day.
-- Parameters: $level, $period_kind, $jurisdictions, $stations, $date_from, $date_to, $as_of, $window_days,
-- $crime_categories, $callback_days.
WITH escalated AS (
    SELECT DISTINCT dispute_id FROM jm_escalation_links($crime_categories, $window_days, $stations)
),
d AS (
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', x.found_at) AS DATE) AS month,
           x.mediation_result, x.found_at, e.dispute_id IS NOT NULL AS escalated
    FROM disputes x
    JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
    LEFT JOIN escalated e ON e.dispute_id = x.dispute_id
    WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
),
h AS (
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', x.found_at) AS DATE) AS month,
           x.deadline, x.rectified_at, x.found_at
    FROM hazards x
    JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
    WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
),
u AS (  -- crime cases not solved: outcome 'unsolved', or still open without an outcome
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', c.reported_at) AS DATE) AS month,
           CAST(c.reported_at AS DATE) AS reported, CAST(c.callback_at AS DATE) AS called,
           c.opinion_collected AS opinion
    FROM cases c
    JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
    WHERE c.reported_at IS NOT NULL
      AND (list_contains($crime_categories, c.category) OR list_contains($crime_categories, c.category_label))
      AND (c.outcome = 'unsolved' OR (c.outcome IS NULL AND c.status IS DISTINCT FROM 'closed'))
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, c.jurisdiction_code))
),
facts AS (
    SELECT jurisdiction, month, 'disputes_found' AS metric, 'count' AS unit, 1 AS n, NULL AS x, NULL AS v FROM d
    UNION ALL SELECT jurisdiction, month, 'disputes_mediated', 'count', 1, NULL, NULL FROM d
        WHERE mediation_result = 'mediated'
    UNION ALL SELECT jurisdiction, month, 'mediation_rate', 'rate', 1, CAST(mediation_result = 'mediated' AS INT), NULL
        FROM d WHERE mediation_result IN ('mediated', 'failed')
    UNION ALL SELECT jurisdiction, month, 'escalations', 'count', 1, NULL, NULL FROM d WHERE escalated
    UNION ALL SELECT jurisdiction, month, 'escalation_rate', 'rate', 1, CAST(escalated AS INT), NULL
        FROM d WHERE found_at + CAST($window_days AS INTEGER) <= $as_of
    UNION ALL SELECT jurisdiction, month, 'hazards_found', 'count', 1, NULL, NULL FROM h
    UNION ALL SELECT jurisdiction, month, 'hazards_rectified', 'count', 1, NULL, NULL FROM h
        WHERE rectified_at IS NOT NULL AND rectified_at <= $as_of
    UNION ALL SELECT jurisdiction, month, 'rectified_on_time_rate', 'rate', 1,
                     CAST(rectified_at IS NOT NULL AND rectified_at <= deadline AS INT), NULL
        FROM h WHERE deadline IS NOT NULL AND (deadline < $as_of OR (rectified_at IS NOT NULL AND rectified_at <= $as_of))
    UNION ALL SELECT jurisdiction, month, 'hazards_overdue', 'count', 1, NULL, NULL FROM h
        WHERE deadline < $as_of AND (rectified_at IS NULL OR rectified_at > $as_of)
    UNION ALL SELECT jurisdiction, month, 'rectify_days_median', 'days', 1, NULL,
                     CAST(date_diff('day', found_at, rectified_at) AS DOUBLE)
        FROM h WHERE rectified_at IS NOT NULL AND rectified_at <= $as_of
    UNION ALL SELECT jurisdiction, month, 'unsolved_cases', 'count', 1, NULL, NULL FROM u
    UNION ALL SELECT jurisdiction, month, 'unsolved_callback_coverage', 'rate', 1, CAST(called IS NOT NULL AS INT), NULL
        FROM u
    UNION ALL SELECT jurisdiction, month, 'unsolved_callback_on_time', 'rate', 1,
                     CAST(called IS NOT NULL AND called <= reported + CAST($callback_days AS INTEGER) AS INT), NULL
        FROM u WHERE reported + CAST($callback_days AS INTEGER) < $as_of OR called IS NOT NULL
    UNION ALL SELECT jurisdiction, month, 'unsolved_callback_days_median', 'days', 1, NULL,
                     CAST(date_diff('day', reported, called) AS DOUBLE)
        FROM u WHERE called >= reported
    -- of the callbacks whose file says whether opinions were asked for (NULL: not said, not in the base)
    UNION ALL SELECT jurisdiction, month, 'unsolved_opinion_coverage', 'rate', 1, CAST(opinion AS INT), NULL
        FROM u WHERE opinion IS NOT NULL AND (called IS NOT NULL OR opinion)
),
bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM facts),
cal AS (SELECT c.* FROM bounds b, jm_calendar($period_kind, b.first_month, b.last_month) c)
SELECT f.jurisdiction, c.period, c.period_start, c.period_end, f.metric, f.unit,
       sum(f.n) AS n, sum(f.x) AS x,
       CASE WHEN f.unit = 'count' THEN CAST(sum(f.n) AS DOUBLE)
            WHEN f.unit = 'days' THEN quantile_cont(f.v, 0.5) END AS value
FROM facts f JOIN cal c ON c.month = f.month
WHERE ($date_from IS NULL OR c.period_start >= $date_from)
  AND ($date_to IS NULL OR c.period_start <= $date_to)
GROUP BY f.jurisdiction, c.period, c.period_start, c.period_end, f.metric, f.unit
ORDER BY f.jurisdiction, c.period_start, f.metric;
