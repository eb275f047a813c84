-- Labels of a hazards upload that no value map knows (family 'other'): field, label, rows.
SELECT field, label, count(*) AS n
FROM (
    SELECT unnest(['place_category', 'severity']) AS field,
           unnest([CASE WHEN place_category = 'other' THEN place_category_label END,
                   CASE WHEN severity = 'other' THEN severity_label END]) AS label
    FROM ingest_typed
)
WHERE label IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = field AND v.key = jm_norm(label))
GROUP BY ALL
ORDER BY field, n DESC, label;
