-- Opinions collected in callbacks on crime cases not solved (outcome 'unsolved' or open without one), as the
-- redacted callback comments the case file's opinion text became, with tone and derived topics; newest
-- first. Record-level: only for roles with record_detail (analytics/prevention.py checks).
-- Parameters: $level, $jurisdictions, $stations, $date_from, $date_to (by comment day), $crime_categories.
SELECT c.case_id, c.jurisdiction_code AS station, k.commented_at, k.text, k.tone,
       list(t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics,
       flatten(list(t.evidence ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL)) AS evidence
FROM comments k
JOIN cases c ON c.case_id = k.case_id
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
LEFT JOIN text_topics t ON t.record_kind = 'comment' AND t.record_id = k.comment_id AND t.batch_id = k.batch_id
WHERE (list_contains($crime_categories, c.category) OR list_contains($crime_categories, c.category_label))
  AND (c.outcome = 'unsolved' OR (c.outcome IS NULL AND c.status IS DISTINCT FROM 'closed'))
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, c.jurisdiction_code))
  AND ($date_from IS NULL OR k.commented_at >= $date_from)
  AND ($date_to IS NULL OR k.commented_at <= $date_to)
GROUP BY c.case_id, c.jurisdiction_code, k.commented_at, k.text, k.tone
ORDER BY k.commented_at DESC, c.case_id;
