-- The period calendar: every month from first_month to last_month with each period of `kind` that
-- contains it: (month, period, period_start, period_end). The one place where months become periods;
-- analytics/periods.py holds the same rules for labels in Python, and a test pins the two together.
--   month      2025-03        the month
--   quarter    2025Q1         calendar quarter
--   year       2025           calendar year
--   rolling12  2025-03R12     the 12 months ending in that month; a month lies in 12 windows. Only
--                            complete windows (ending 11+ months after first_month, at most last_month).
--   all        all            every month pooled: first_month .. end of last_month
-- Other kinds give no rows.
CREATE OR REPLACE TEMP MACRO jm_calendar(kind, first_month, last_month) AS TABLE
WITH months AS (
    SELECT CAST(m AS DATE) AS month
    FROM range(CAST(first_month AS DATE), CAST(last_month AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
),
offsets AS (
    SELECT unnest(range(0, 12)) AS k
),
windows AS (
    SELECT m.month, o.k, CAST(m.month + to_months(o.k) AS DATE) AS window_end
    FROM months m
    JOIN offsets o ON o.k = 0 OR kind = 'rolling12'
)
SELECT month,
       CASE kind
           WHEN 'month' THEN strftime(month, '%Y-%m')
           WHEN 'quarter' THEN CAST(year(month) AS VARCHAR) || 'Q' || CAST(quarter(month) AS VARCHAR)
           WHEN 'year' THEN CAST(year(month) AS VARCHAR)
           WHEN 'rolling12' THEN strftime(window_end, '%Y-%m') || 'R12'
           ELSE 'all'
       END AS period,
       CASE kind
           WHEN 'month' THEN month
           WHEN 'quarter' THEN CAST(date_trunc('quarter', month) AS DATE)
           WHEN 'year' THEN CAST(date_trunc('year', month) AS DATE)
           WHEN 'rolling12' THEN CAST(window_end - INTERVAL 11 MONTH AS DATE)
           ELSE CAST(first_month AS DATE)
       END AS period_start,
       CASE kind
           WHEN 'month' THEN CAST(month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
           WHEN 'quarter' THEN CAST(date_trunc('quarter', month) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)
           WHEN 'year' THEN CAST(date_trunc('year', month) + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
           WHEN 'rolling12' THEN CAST(window_end + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
           ELSE CAST(CAST(last_month AS DATE) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
       END AS period_end
FROM windows
WHERE kind IN ('month', 'quarter', 'year', 'all')
   OR (kind = 'rolling12' AND window_end <= CAST(last_month AS DATE)
       AND window_end >= CAST(CAST(first_month AS DATE) + INTERVAL 11 MONTH AS DATE));
