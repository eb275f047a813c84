-- Replace every derived topic with the ones in TEMP jm_retag (record_kind, record_id, batch_id, topic,
-- evidence); given topics stay.
DELETE FROM text_topics WHERE origin = 'derived';
INSERT INTO text_topics (batch_id, record_kind, record_id, topic, origin, evidence)
SELECT batch_id, record_kind, record_id, topic, 'derived', CAST(evidence AS VARCHAR[]) FROM jm_retag;
