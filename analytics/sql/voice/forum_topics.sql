-- Demand topics of one jurisdiction's subtree in one date range with their counts, most frequent first
-- ("what residents said" of the forum table).
SELECT t.topic, v.label_zh, v.label_en, count(DISTINCT x.demand_id) AS n
FROM demands x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_code = $jurisdiction
JOIN text_topics t ON t.record_kind = 'demand' AND t.record_id = x.demand_id AND t.batch_id = x.batch_id
LEFT JOIN voice_topics v ON v.topic = t.topic
WHERE CAST(x.received_at AS DATE) BETWEEN $date_from AND $date_to
GROUP BY ALL
ORDER BY n DESC, t.topic;
