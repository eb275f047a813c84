-- Demand records with their (redacted) text and topics with evidence, newest first; for record_detail roles.
SELECT x.demand_id, x.jurisdiction_code AS station, s.name_zh AS station_name_zh, s.name_en AS station_name_en,
       x.channel, x.channel_label, x.received_at, x.status, x.answered_at, x.text, x.reply,
       list(t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics,
       list(t.topic || ': ' || array_to_string(t.evidence, '、') ORDER BY t.topic)
           FILTER (WHERE t.topic IS NOT NULL) AS evidence
FROM demands x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
JOIN jurisdictions s ON s.code = x.jurisdiction_code
LEFT JOIN text_topics t ON t.record_kind = 'demand' AND t.record_id = x.demand_id AND t.batch_id = x.batch_id
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
  AND ($date_from IS NULL OR CAST(x.received_at AS DATE) >= $date_from)
  AND ($date_to IS NULL OR CAST(x.received_at AS DATE) <= $date_to)
GROUP BY ALL
HAVING $topic IS NULL OR list_contains(list(t.topic), $topic)
ORDER BY x.received_at DESC, x.demand_id
LIMIT $limit;
