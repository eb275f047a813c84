-- requires: integrity/base
-- Bursts: for each unit kind (interviewer, channel — both within a unit — and the unit itself), the most
-- top-answer interviews ("very satisfied" on the satisfaction item) starting within any $window_min minutes
-- (max_in_window, from window_start), the unit's top-answer interviews with a start time (n_top) and the
-- days on which it interviewed anyone (n_days: the time the null model spreads them over).
WITH r AS (
    SELECT * FROM jm_integrity_resp($date_from, $date_to, $level) WHERE interview_start IS NOT NULL
),
units AS (
    SELECT 'interviewer' AS kind, unit, interviewer AS label, respondent_key, interview_start, sat_top FROM r
    WHERE interviewer IS NOT NULL
    UNION ALL
    SELECT 'channel', unit, channel, respondent_key, interview_start, sat_top FROM r WHERE channel IS NOT NULL
    UNION ALL
    SELECT 'jurisdiction', unit, unit, respondent_key, interview_start, sat_top FROM r
),
days AS (
    SELECT kind, unit, label, count(DISTINCT CAST(interview_start AS DATE)) AS n_days FROM units
    GROUP BY kind, unit, label
),
tops AS (
    SELECT kind, unit, label, interview_start,
           count(*) OVER (PARTITION BY kind, unit, label ORDER BY interview_start
                          RANGE BETWEEN CURRENT ROW AND to_seconds(CAST($window_min * 60 AS BIGINT)) FOLLOWING)
               AS in_window
    FROM units WHERE sat_top
),
best AS (
    SELECT kind, unit, label, count(*) AS n_top, max(in_window) AS max_in_window,
           arg_max(interview_start, in_window) AS window_start
    FROM tops GROUP BY kind, unit, label
)
SELECT d.kind, d.unit, d.label, d.n_days, coalesce(b.n_top, 0) AS n_top, coalesce(b.max_in_window, 0) AS max_in_window,
       b.window_start
FROM days d LEFT JOIN best b USING (kind, unit, label)
ORDER BY d.kind, d.unit, d.label;
