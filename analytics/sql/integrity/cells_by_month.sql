-- The satisfaction indicator's base and score sum per unit (jurisdiction at $level) and month, from the
-- indicator cells (all loaded respondents), months from $date_from to $date_to.
SELECT a.ancestor_code AS unit, c.month, sum(c.n) AS n, sum(c.sum_y) AS sum_y
FROM indicator_cells c
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
WHERE c.indicator = $indicator AND c.month BETWEEN $date_from AND $date_to
GROUP BY a.ancestor_code, c.month
ORDER BY unit, c.month;
