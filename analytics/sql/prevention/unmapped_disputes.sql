-- Labels of a disputes upload that no value map knows (family 'other'): field, label, rows.
SELECT field, label, count(*) AS n
FROM (
    SELECT unnest(['source', 'dispute_type', 'mediation_result']) AS field,
           unnest([CASE WHEN source = 'other' THEN source_label END,
                   CASE WHEN dispute_type = 'other' THEN dispute_type_label END,
                   CASE WHEN mediation_result = 'other' THEN mediation_result_label END]) AS label
    FROM ingest_typed
)
WHERE label IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = field AND v.key = jm_norm(label))
GROUP BY ALL
ORDER BY field, n DESC, label;
