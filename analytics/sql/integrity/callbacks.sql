-- Callback selection: cases closed from $date_from to $date_to per unit (jurisdiction at $level), outcome
-- family and category: closed cases and those with a callback.
SELECT a.ancestor_code AS unit, coalesce(c.outcome, 'other') AS outcome, coalesce(c.category, 'other') AS category,
       count(*) AS closed, count(c.callback_at) AS called
FROM cases c
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
WHERE c.status = 'closed' AND CAST(c.closed_at AS DATE) BETWEEN $date_from AND $date_to
GROUP BY ALL
ORDER BY unit, outcome, category;
