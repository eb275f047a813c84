-- requires: calendar/jm_calendar
-- Sufficient statistics per indicator x jurisdiction (at $level) x period x stratum, summed from
-- indicator_cells. Roll-ups sum respondent-level statistics; station rates are never averaged.
-- $period_kind: month | quarter | year | rolling12 | all, mapped by the period calendar (jm_calendar).
-- Rolling windows are complete 12-month windows only (ending at least 11 months after the first month with data).
-- $date_from / $date_to filter on the period's first day; $period_starts (a list of first days, or NULL)
-- keeps only those periods. A period holds the months from its first day to at most 11 months later,
-- so only those cell months are read (the pooled period 'all' always reads every month).
WITH bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM indicator_cells
),
cells AS (
    SELECT c.*, a.ancestor_code AS jurisdiction
    FROM indicator_cells c
    JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
    WHERE ($indicators IS NULL OR list_contains($indicators, c.indicator))
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($period_kind = 'all' OR $date_from IS NULL OR c.month >= $date_from)
      AND ($period_kind = 'all' OR $date_to IS NULL OR c.month <= CAST(CAST($date_to AS DATE) + INTERVAL 11 MONTH AS DATE))
      AND ($period_kind = 'all' OR $period_starts IS NULL
           OR (c.month >= list_min(CAST($period_starts AS DATE[]))
               AND c.month <= CAST(list_max(CAST($period_starts AS DATE[])) + INTERVAL 11 MONTH AS DATE)))
),
periodised AS (
    SELECT c.*, cal.period, cal.period_start, cal.period_end
    FROM cells c
    JOIN jm_calendar($period_kind, (SELECT first_month FROM bounds), (SELECT last_month FROM bounds)) cal
      ON cal.month = c.month
)
SELECT indicator, jurisdiction, period, period_start, period_end, stratum,
       sum(n) AS n, sum(n_dk) AS n_dk, sum(n_psu) AS n_psu,
       sum(sum_y) AS sum_y, sum(sum_y2) AS sum_y2, sum(sum_w) AS sum_w, sum(sum_w2) AS sum_w2,
       sum(sum_wy) AS sum_wy, sum(psu_aa) AS psu_aa, sum(psu_ab) AS psu_ab, sum(psu_bb) AS psu_bb
FROM periodised
WHERE ($date_from IS NULL OR period_start >= $date_from)
  AND ($date_to IS NULL OR period_start <= $date_to)
  AND ($period_starts IS NULL OR list_contains($period_starts, period_start))
GROUP BY ALL
ORDER BY indicator, jurisdiction, period_start, stratum;
