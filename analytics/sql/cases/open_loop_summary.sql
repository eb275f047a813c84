-- The open loop per jurisdiction (at $level): dissatisfied callbacks ever received, how many are
-- still not rectified, and how long those have waited (days from callback to $as_of).
WITH dis AS (
    SELECT a.ancestor_code AS jurisdiction,
           (COALESCE(c.rectification_status, '') = 'rectified' OR c.rectified_at IS NOT NULL) AS rectified,
           epoch(CAST($as_of AS TIMESTAMP) - c.callback_at) / 86400.0 AS days_waited
    FROM cases c
    JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
    WHERE c.callback_result = 'dissatisfied'
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
)
SELECT d.jurisdiction, j.name_zh, j.name_en,
       count(*) AS dissatisfied,
       count(*) FILTER (WHERE NOT d.rectified) AS pending,
       max(d.days_waited) FILTER (WHERE NOT d.rectified) AS oldest_days,
       quantile_cont(d.days_waited, 0.5) FILTER (WHERE NOT d.rectified) AS median_days_waited
FROM dis d
JOIN jurisdictions j ON j.code = d.jurisdiction
GROUP BY ALL
ORDER BY pending DESC, oldest_days DESC NULLS LAST, d.jurisdiction;
