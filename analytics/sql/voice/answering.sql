-- requires: calendar/jm_calendar
-- Demands received, answered, answered on time and median days to answer per jurisdiction (at $level) x
-- period (by received date) x channel ('all' = every channel). On time = answered within $answer_days days;
-- the on-time base is demands answered or past that deadline as of $as_of (those still inside it are not
-- counted either way).
WITH d AS (
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', x.received_at) AS DATE) AS month, x.channel,
           x.received_at, x.answered_at,
           x.answered_at IS NOT NULL AND x.answered_at <= $as_of AS answered,
           epoch(x.answered_at - x.received_at) / 86400.0 AS days
    FROM demands x
    JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
    WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
),
bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM d),
cal AS (SELECT c.* FROM bounds b, jm_calendar($period_kind, b.first_month, b.last_month) c)
SELECT d.jurisdiction, c.period, c.period_start, coalesce(d.channel, 'all') AS channel,
       count(*) AS received,
       count(*) FILTER (WHERE d.answered) AS answered,
       count(*) FILTER (WHERE d.answered OR d.received_at + to_days(CAST($answer_days AS INTEGER)) < $as_of) AS due,
       count(*) FILTER (WHERE d.answered AND d.days <= $answer_days) AS on_time,
       quantile_cont(d.days, 0.5) FILTER (WHERE d.answered) AS answer_days_median
FROM d JOIN cal c ON c.month = d.month
WHERE ($date_from IS NULL OR c.period_start >= $date_from)
  AND ($date_to IS NULL OR c.period_start <= $date_to)
GROUP BY GROUPING SETS ((d.jurisdiction, c.period, c.period_start, d.channel), (d.jurisdiction, c.period, c.period_start))
ORDER BY d.jurisdiction, c.period_start, channel;
