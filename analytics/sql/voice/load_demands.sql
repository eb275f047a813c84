-- Append a checked demands upload as batch $batch_id. Text and reply are taken ONLY from ingest_text's
-- redacted column (the original never reaches a table); topics: the file's own (given) and the derived
-- ones with their evidence words.
INSERT INTO demand_events (batch_id, demand_id, channel, channel_label, received_at, jurisdiction_code, text,
                           status, status_label, answered_at, reply)
SELECT $batch_id, t.demand_id, t.channel, t.channel_label, t.received_at, t.jurisdiction, x.clean,
       t.status, t.status_label, t.answered_at, r.clean
FROM ingest_typed t
JOIN ingest_text x ON x.original = t.text
LEFT JOIN ingest_text r ON r.original = t.reply;

INSERT INTO text_topics (batch_id, record_kind, record_id, topic, origin, evidence)
SELECT DISTINCT $batch_id, 'demand', t.demand_id, coalesce(v.topic, jm_norm(t.topic)), 'given', []::VARCHAR[]
FROM ingest_typed t
LEFT JOIN voice_topics v ON jm_norm(t.topic) IN (lower(v.topic), jm_norm(v.label_zh), jm_norm(v.label_en))
WHERE nullif(trim(t.topic), '') IS NOT NULL
UNION ALL
SELECT $batch_id, 'demand', t.demand_id, g.topic, 'derived', g.evidence
FROM ingest_typed t JOIN ingest_text_topics g ON g.original = t.text;
