-- requires: jurisdictions/row_place
-- Demand records with their (redacted) text and topics with evidence, newest first, with the station
-- and community the record is coded to (jm_row_place); for record_detail roles.
SELECT x.demand_id, pl.station, pl.station_name_zh, pl.station_name_en, pl.community,
       pl.community_name_zh, pl.community_name_en,
       x.channel, x.channel_label, x.received_at, x.status, x.answered_at, x.text, x.reply,
       list(t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics,
       list(t.topic || ': ' || array_to_string(t.evidence, '、') ORDER BY t.topic)
           FILTER (WHERE t.topic IS NOT NULL) AS evidence,
       list(array_to_string(t.evidence, '、') ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS evidence_words
FROM demands x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
JOIN jm_row_place() pl ON pl.code = x.jurisdiction_code
LEFT JOIN text_topics t ON t.record_kind = 'demand' AND t.record_id = x.demand_id AND t.batch_id = x.batch_id
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
  AND ($date_from IS NULL OR CAST(x.received_at AS DATE) >= $date_from)
  AND ($date_to IS NULL OR CAST(x.received_at AS DATE) <= $date_to)
GROUP BY ALL
HAVING $topic IS NULL OR list_contains(list(t.topic), $topic)
ORDER BY x.received_at DESC, x.demand_id
LIMIT $limit;
