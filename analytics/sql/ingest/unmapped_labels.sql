-- Case labels of an upload that no value map knows (their family is 'other'): field, label, rows.
SELECT 'category' AS field, t.category_label AS label, count(*) AS n
FROM ingest_typed t
WHERE t.category = 'other'
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = 'category' AND v.key = jm_norm(t.category_label))
GROUP BY ALL
UNION ALL
SELECT 'outcome', t.outcome_label, count(*)
FROM ingest_typed t
WHERE t.outcome = 'other'
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = 'outcome' AND v.key = jm_norm(t.outcome_label))
GROUP BY ALL
ORDER BY field, n DESC, label;
