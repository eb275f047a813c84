-- requires: calendar/jm_calendar
-- Comments per jurisdiction (at $level) x period (by comment date): how many, and how many the lexicon
-- counted negative (the numerator of the share of negative comments the Link page relates to satisfaction).
WITH k AS (
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', x.commented_at) AS DATE) AS month, x.tone
    FROM comments x
    JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
    WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
),
bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM k),
cal AS (SELECT c.* FROM bounds b, jm_calendar($period_kind, b.first_month, b.last_month) c)
SELECT k.jurisdiction, c.period, c.period_start, count(*) AS comments,
       count(*) FILTER (WHERE k.tone = 'negative') AS negative
FROM k JOIN cal c ON c.month = k.month
WHERE ($date_from IS NULL OR c.period_start >= $date_from)
  AND ($date_to IS NULL OR c.period_start <= $date_to)
GROUP BY ALL
ORDER BY k.jurisdiction, c.period_start;
