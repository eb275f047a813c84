-- Labels of a demands upload that no value map knows (family 'other', label kept): field, label, rows.
SELECT field, label, count(*) AS n
FROM (
    SELECT unnest(['channel', 'status']) AS field,
           unnest([CASE WHEN channel = 'other' THEN channel_label END,
                   CASE WHEN status = 'other' THEN status_label END]) AS label
    FROM ingest_typed
)
WHERE label IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = field AND v.key = jm_norm(label))
GROUP BY ALL
ORDER BY field, n DESC, label;
