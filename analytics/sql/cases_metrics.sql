-- requires: calendar/jm_calendar
-- Case-work statistics per jurisdiction (at $level) x period, in long form: one row per metric with
-- its base n, its numerator x (rates) or its value (median / 90th-percentile durations).
-- Every figure is aggregated from the case rows of the jurisdiction's stations (roll-ups never
-- average station figures). A case belongs to the period of its reported_at.
-- The definitions (bases and numerators) are documented in analytics/cases.py and docs/cases.md.
-- Parameters: $level, $period_kind (month | quarter | year | rolling12 | all), $jurisdictions (list or
-- NULL), $date_from / $date_to (filter on the period's first day), $as_of (TIMESTAMP: the latest data
-- time), $deadline_days (petition deadline), $basic_weight (score of basically_satisfied),
-- $crime_categories (categories that can be solved).
WITH located AS (
    SELECT c.*,
           CAST(date_trunc('month', c.reported_at) AS DATE) AS month,
           a.ancestor_code AS jurisdiction
    FROM cases c
    JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
    WHERE c.reported_at IS NOT NULL
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
),
bounds AS (
    SELECT CAST(date_trunc('month', min(reported_at)) AS DATE) AS first_month,
           CAST(date_trunc('month', max(reported_at)) AS DATE) AS last_month
    FROM cases
),
flagged AS (
    SELECT jurisdiction, month,
           status = 'closed' AS is_closed,
           status = 'closed' AND list_contains($crime_categories, category) AS crime_closed,
           COALESCE(is_small, FALSE) AS small,
           outcome = 'solved' AS solved,
           CASE WHEN first_response_at >= reported_at
                THEN epoch(first_response_at - reported_at) / 3600.0 END AS response_hours,
           CASE WHEN status = 'closed' AND closed_at >= reported_at
                THEN epoch(closed_at - reported_at) / 86400.0 END AS close_days,
           status = 'closed' AND category = 'dispute' AS dispute_closed,
           COALESCE(mediation_agreed, outcome = 'mediated', FALSE) AS mediated,
           status = 'closed' AND (callback_at IS NOT NULL OR callback_result IS NOT NULL) AS called_back,
           CASE WHEN status = 'closed' THEN
               CASE callback_result WHEN 'satisfied' THEN 1.0
                                    WHEN 'basically_satisfied' THEN CAST($basic_weight AS DOUBLE)
                                    WHEN 'dissatisfied' THEN 0.0 END
           END AS callback_score,
           category = 'petition' AS petition,
           category = 'petition' AND status = 'closed'
               AND closed_at <= reported_at + to_days(CAST($deadline_days AS INTEGER)) AS petition_on_time,
           callback_result = 'dissatisfied' AS dissatisfied,
           callback_result = 'dissatisfied'
               AND (rectification_status = 'rectified' OR rectified_at IS NOT NULL) AS rectified,
           CASE WHEN callback_result = 'dissatisfied' AND rectified_at >= callback_at
                THEN epoch(rectified_at - callback_at) / 86400.0 END AS rectify_days,
           reported_at + to_days(CAST($deadline_days AS INTEGER)) <= CAST($as_of AS TIMESTAMP) AS deadline_passed
    FROM located
),
periodised AS (
    SELECT f.*, cal.period, cal.period_start, cal.period_end
    FROM flagged f
    JOIN jm_calendar($period_kind, (SELECT first_month FROM bounds), (SELECT last_month FROM bounds)) cal
      ON cal.month = f.month
),
grouped AS (
    SELECT jurisdiction, period, period_start, period_end,
           count(*) FILTER (WHERE crime_closed) AS crime_n,
           count(*) FILTER (WHERE crime_closed AND solved) AS crime_solved,
           count(*) FILTER (WHERE crime_closed AND small) AS small_n,
           count(*) FILTER (WHERE crime_closed AND small AND solved) AS small_solved,
           count(response_hours) AS response_n,
           quantile_cont(response_hours, [0.5, 0.9]) AS response_q,
           count(close_days) AS close_n,
           quantile_cont(close_days, [0.5, 0.9]) AS close_q,
           count(*) FILTER (WHERE dispute_closed) AS dispute_n,
           count(*) FILTER (WHERE dispute_closed AND mediated) AS dispute_mediated,
           count(*) FILTER (WHERE is_closed) AS closed_n,
           count(*) FILTER (WHERE called_back) AS called_back_n,
           count(callback_score) AS callback_n,
           COALESCE(sum(callback_score), 0) AS callback_sum,
           count(*) FILTER (WHERE petition AND (deadline_passed OR petition_on_time)) AS petition_due_n,
           count(*) FILTER (WHERE petition_on_time) AS petition_on_time_n,
           count(*) FILTER (WHERE dissatisfied) AS dissatisfied_n,
           count(*) FILTER (WHERE rectified) AS rectified_n,
           count(rectify_days) AS rectify_n,
           quantile_cont(rectify_days, 0.5) AS rectify_median
    FROM periodised
    WHERE ($date_from IS NULL OR period_start >= $date_from)
      AND ($date_to IS NULL OR period_start <= $date_to)
    GROUP BY ALL
)
SELECT g.jurisdiction, g.period, g.period_start, g.period_end, m.metric, m.unit,
       CAST(m.n AS BIGINT) AS n, CAST(m.x AS DOUBLE) AS x, CAST(m.value AS DOUBLE) AS value
FROM grouped g,
     (VALUES
        ('solved_rate', 'rate', g.crime_n, g.crime_solved, NULL),
        ('small_solved_rate', 'rate', g.small_n, g.small_solved, NULL),
        ('response_hours_median', 'hours', g.response_n, NULL, g.response_q[1]),
        ('response_hours_p90', 'hours', g.response_n, NULL, g.response_q[2]),
        ('close_days_median', 'days', g.close_n, NULL, g.close_q[1]),
        ('close_days_p90', 'days', g.close_n, NULL, g.close_q[2]),
        ('mediation_rate', 'rate', g.dispute_n, g.dispute_mediated, NULL),
        ('callback_coverage', 'rate', g.closed_n, g.called_back_n, NULL),
        ('callback_satisfaction', 'rate', g.callback_n, g.callback_sum, NULL),
        ('petition_on_time', 'rate', g.petition_due_n, g.petition_on_time_n, NULL),
        ('rectification_rate', 'rate', g.dissatisfied_n, g.rectified_n, NULL),
        ('rectify_days_median', 'days', g.rectify_n, NULL, g.rectify_median)
     ) AS m(metric, unit, n, x, value)
ORDER BY g.jurisdiction, g.period_start;
