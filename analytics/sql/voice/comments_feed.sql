-- requires: jurisdictions/row_place
-- Comments with their (redacted) text, lexicon tone and topics, newest first, with the station
-- and community the record is coded to (jm_row_place), filtered by $topic and $tone
-- (NULL = any); for record_detail roles.
SELECT x.comment_id, pl.station, pl.station_name_zh, pl.station_name_en, pl.community,
       pl.community_name_zh, pl.community_name_en,
       x.source, x.commented_at, x.text, x.tone, x.tone_words,
       list(t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics,
       list(t.topic || ': ' || array_to_string(t.evidence, '、') ORDER BY t.topic)
           FILTER (WHERE t.topic IS NOT NULL) AS evidence,
       list(array_to_string(t.evidence, '、') ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS evidence_words
FROM comments x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
JOIN jm_row_place() pl ON pl.code = x.jurisdiction_code
LEFT JOIN text_topics t ON t.record_kind = 'comment' AND t.record_id = x.comment_id AND t.batch_id = x.batch_id
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
  AND ($date_from IS NULL OR x.commented_at >= $date_from)
  AND ($date_to IS NULL OR x.commented_at <= $date_to)
  AND ($tone IS NULL OR x.tone = $tone)
GROUP BY ALL
HAVING $topic IS NULL OR list_contains(list(t.topic), $topic)
ORDER BY x.commented_at DESC, x.comment_id
LIMIT $limit;
