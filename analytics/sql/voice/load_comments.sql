-- Append a checked comments upload as batch $batch_id; text only as redacted (ingest_text), with its
-- lexicon tone and the topics derived from it.
INSERT INTO comment_events (batch_id, comment_id, source, source_label, jurisdiction_code, commented_at, text,
                            tone, tone_words)
SELECT $batch_id, t.comment_id, t.source, t.source_label, t.jurisdiction, t.commented_at, x.clean, x.tone,
       x.tone_words
FROM ingest_typed t JOIN ingest_text x ON x.original = t.text;

INSERT INTO text_topics (batch_id, record_kind, record_id, topic, origin, evidence)
SELECT $batch_id, 'comment', t.comment_id, g.topic, 'derived', g.evidence
FROM ingest_typed t JOIN ingest_text_topics g ON g.original = t.text;
