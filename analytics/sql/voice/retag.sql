-- Replace every derived topic with the ones in TEMP jm_retag_texts (text, topic, evidence: one row per
-- distinct stored text and topic found in it), joined back to every stored record carrying that text;
-- given topics stay.
DELETE FROM text_topics WHERE origin = 'derived';
INSERT INTO text_topics (batch_id, record_kind, record_id, topic, origin, evidence)
SELECT s.batch_id, s.record_kind, s.record_id, t.topic, 'derived', CAST(t.evidence AS VARCHAR[])
FROM (SELECT 'demand' AS record_kind, demand_id AS record_id, batch_id, text FROM demand_events
      UNION ALL
      SELECT 'comment', comment_id, batch_id, text FROM comment_events) s
JOIN jm_retag_texts t ON t.text = s.text;
