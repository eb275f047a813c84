-- Topics of the opinions collected in callbacks on unsolved crime cases per jurisdiction (at $level):
-- counts only (every role). Parameters as prevention/opinions.
SELECT a.ancestor_code AS jurisdiction, t.topic, count(DISTINCT k.comment_id) AS n
FROM comments k
JOIN cases c ON c.case_id = k.case_id
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
JOIN text_topics t ON t.record_kind = 'comment' AND t.record_id = k.comment_id AND t.batch_id = k.batch_id
WHERE (list_contains($crime_categories, c.category) OR list_contains($crime_categories, c.category_label))
  AND (c.outcome = 'unsolved' OR (c.outcome IS NULL AND c.status IS DISTINCT FROM 'closed'))
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, c.jurisdiction_code))
  AND ($date_from IS NULL OR k.commented_at >= $date_from)
  AND ($date_to IS NULL OR k.commented_at <= $date_to)
GROUP BY ALL
ORDER BY jurisdiction, n DESC, t.topic;
