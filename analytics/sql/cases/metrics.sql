-- requires: calendar/jm_calendar
-- Case-work statistics per jurisdiction (at $level) x period, in long form: one row per metric with
-- its base n, its numerator x (rates) or its value (median / 90th-percentile durations).
-- Every figure is aggregated from the case rows of the jurisdiction's stations (roll-ups never
-- average station figures). A case belongs to the period of its reported_at.
-- The definitions (bases and numerators) are documented in analytics/cases.py and docs/cases.md.
-- Parameters: $level, $period_kind (month | quarter | year | rolling12 | all), $jurisdictions (list or
-- NULL), $date_from / $date_to (filter on the period's first day), $as_of (TIMESTAMP: the latest data
-- time), $deadline_days (petition deadline), $basic_weight (score of basically_satisfied),
-- $crime_categories (categories that can be solved: a family such as 'theft' or a file's own label),
-- $solved_outcomes (outcome families that count as solved; ['solved'] for 破案率).
-- Each metric also says whether any loaded batch behind the jurisdiction's cases of the period gave its
-- source field (batch_fields): has_data false means "no data", not 0%.
-- A batch with no recorded fields (rows written by another path than the loader) counts as giving all.
WITH batch_flags AS (
    SELECT b.batch_id,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'outcome') > 0 AS g_outcome,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'is_small') > 0 AS g_small,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'first_response_at') > 0 AS g_response,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'closed_at') > 0 AS g_closed,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field IN ('outcome', 'mediation_agreed')) > 0
               AS g_mediation,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field IN ('callback_at', 'callback_result')) > 0
               AS g_callback,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'callback_result') > 0 AS g_callback_result,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field IN ('rectification_status', 'rectified_at')) > 0
               AS g_rectification,
           count(f.field) = 0 OR count(*) FILTER (WHERE f.field = 'rectified_at') > 0 AS g_rectified_at
    FROM batches b LEFT JOIN batch_fields f ON f.batch_id = b.batch_id
    WHERE b.status = 'loaded' AND b.kind = 'cases'
    GROUP BY b.batch_id
),
case_given AS (  -- a field given by any loaded batch of a case counts (later batches carry it forward)
    SELECT e.case_id,
           bool_or(g_outcome) AS g_outcome, bool_or(g_small) AS g_small, bool_or(g_response) AS g_response,
           bool_or(g_closed) AS g_closed, bool_or(g_mediation) AS g_mediation,
           bool_or(g_callback) AS g_callback, bool_or(g_callback_result) AS g_callback_result,
           bool_or(g_rectification) AS g_rectification, bool_or(g_rectified_at) AS g_rectified_at
    FROM case_events e JOIN batch_flags f ON f.batch_id = e.batch_id
    GROUP BY e.case_id
),
located AS (
    SELECT c.*,
           CAST(date_trunc('month', c.reported_at) AS DATE) AS month,
           a.ancestor_code AS jurisdiction,
           COALESCE(g.g_outcome, FALSE) AS g_outcome, COALESCE(g.g_small, FALSE) AS g_small,
           COALESCE(g.g_response, FALSE) AS g_response, COALESCE(g.g_closed, FALSE) AS g_closed,
           COALESCE(g.g_mediation, FALSE) AS g_mediation, COALESCE(g.g_callback, FALSE) AS g_callback,
           COALESCE(g.g_callback_result, FALSE) AS g_callback_result,
           COALESCE(g.g_rectification, FALSE) AS g_rectification,
           COALESCE(g.g_rectified_at, FALSE) AS g_rectified_at
    FROM cases c
    JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
    LEFT JOIN case_given g ON g.case_id = c.case_id
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
           g_outcome, g_small, g_response, g_closed, g_mediation, g_callback, g_callback_result,
           g_rectification, g_rectified_at,
           status = 'closed' AS is_closed,
           -- an outcome not mapped yet ('other'), not accepted or withdrawn is neither solved nor unsolved
           status = 'closed' AND (list_contains($crime_categories, category)
                                  OR list_contains($crime_categories, category_label))
               AND outcome IS DISTINCT FROM 'other' AND outcome IS DISTINCT FROM 'not_accepted'
               AND outcome IS DISTINCT FROM 'withdrawn' AS crime_closed,
           COALESCE(is_small, FALSE) AS small,
           list_contains($solved_outcomes, outcome) AS solved,
           CASE WHEN first_response_at >= reported_at
                THEN epoch(first_response_at - reported_at) / 3600.0 END AS response_hours,
           CASE WHEN status = 'closed' AND closed_at >= reported_at
                THEN epoch(closed_at - reported_at) / 86400.0 END AS close_days,
           status = 'closed' AND category = 'dispute'
               AND (mediation_agreed IS NOT NULL OR outcome IS NULL
                    OR outcome NOT IN ('other', 'not_accepted', 'withdrawn')) AS dispute_closed,
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
           quantile_cont(rectify_days, 0.5) AS rectify_median,
           bool_or(g_outcome) AS d_outcome, bool_or(g_outcome AND g_small) AS d_small,
           bool_or(g_response) AS d_response, bool_or(g_closed) AS d_closed,
           bool_or(g_mediation) AS d_mediation, bool_or(g_callback) AS d_callback,
           bool_or(g_callback_result) AS d_callback_result, bool_or(g_rectification) AS d_rectification,
           bool_or(g_rectified_at) AS d_rectified_at
    FROM periodised
    WHERE ($date_from IS NULL OR period_start >= $date_from)
      AND ($date_to IS NULL OR period_start <= $date_to)
    GROUP BY ALL
)
SELECT g.jurisdiction, g.period, g.period_start, g.period_end, m.metric, m.unit,
       CAST(m.n AS BIGINT) AS n, CAST(m.x AS DOUBLE) AS x, CAST(m.value AS DOUBLE) AS value,
       COALESCE(m.has_data, FALSE) AS has_data
FROM grouped g,
     (VALUES
        ('solved_rate', 'rate', g.crime_n, g.crime_solved, NULL, g.d_outcome),
        ('small_solved_rate', 'rate', g.small_n, g.small_solved, NULL, g.d_small),
        ('response_hours_median', 'hours', g.response_n, NULL, g.response_q[1], g.d_response),
        ('response_hours_p90', 'hours', g.response_n, NULL, g.response_q[2], g.d_response),
        ('close_days_median', 'days', g.close_n, NULL, g.close_q[1], g.d_closed),
        ('close_days_p90', 'days', g.close_n, NULL, g.close_q[2], g.d_closed),
        ('mediation_rate', 'rate', g.dispute_n, g.dispute_mediated, NULL, g.d_mediation),
        ('callback_coverage', 'rate', g.closed_n, g.called_back_n, NULL, g.d_callback),
        ('callback_satisfaction', 'rate', g.callback_n, g.callback_sum, NULL, g.d_callback_result),
        ('petition_on_time', 'rate', g.petition_due_n, g.petition_on_time_n, NULL, g.d_closed),
        ('rectification_rate', 'rate', g.dissatisfied_n, g.rectified_n, NULL, g.d_rectification),
        ('rectify_days_median', 'days', g.rectify_n, NULL, g.rectify_median, g.d_rectified_at)
     ) AS m(metric, unit, n, x, value, has_data)
ORDER BY g.jurisdiction, g.period_start;
