-- The words that caused each derived topic, with how many records they marked, for the records in scope
-- ($record_kind, $jurisdictions at $level, $stations, found between $date_from and $date_to by day).
WITH recs AS (
    SELECT 'demand' AS record_kind, demand_id AS record_id, jurisdiction_code, CAST(received_at AS DATE) AS day,
           batch_id FROM demands
    UNION ALL
    SELECT 'comment', comment_id, jurisdiction_code, commented_at, batch_id FROM comments
)
SELECT t.topic, t.origin, w.word, count(DISTINCT r.record_id) AS n
FROM recs r
JOIN text_topics t ON t.record_kind = r.record_kind AND t.record_id = r.record_id AND t.batch_id = r.batch_id
JOIN jurisdiction_ancestors a ON a.code = r.jurisdiction_code AND a.ancestor_level = $level
LEFT JOIN (SELECT record_kind, record_id, batch_id, topic, unnest(evidence) AS word FROM text_topics) w
       ON w.record_kind = t.record_kind AND w.record_id = t.record_id AND w.batch_id = t.batch_id AND w.topic = t.topic
WHERE r.record_kind = $record_kind
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, r.jurisdiction_code))
  AND ($date_from IS NULL OR r.day >= $date_from)
  AND ($date_to IS NULL OR r.day <= $date_to)
GROUP BY ALL
ORDER BY t.topic, n DESC, w.word;
