-- Labels of a comments upload that no value map knows (family 'other', label kept): field, label, rows.
SELECT 'source' AS field, source_label AS label, count(*) AS n
FROM ingest_typed
WHERE source = 'other'
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = 'source' AND v.key = jm_norm(source_label))
GROUP BY ALL
ORDER BY n DESC, label;
