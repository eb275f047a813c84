-- The topics found in the texts (from the registered frame jm_topic_frame).
INSERT INTO ingest_text_topics SELECT original, topic, CAST(evidence AS VARCHAR[]) FROM jm_topic_frame;
