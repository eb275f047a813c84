-- The months (first days) in which cases were reported, in order.
SELECT DISTINCT CAST(date_trunc('month', reported_at) AS DATE) AS month
FROM cases
WHERE reported_at IS NOT NULL
ORDER BY month;
