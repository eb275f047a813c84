-- Redacted free text of a demands or comments upload (from the registered frame jm_text_frame), and an
-- empty table of its topics. The load takes text only from here, never from ingest_typed.
CREATE OR REPLACE TEMP TABLE ingest_text AS
SELECT original, clean, tone, CAST(tone_words AS VARCHAR[]) AS tone_words FROM jm_text_frame;
CREATE OR REPLACE TEMP TABLE ingest_text_topics (original VARCHAR, topic VARCHAR, evidence VARCHAR[]);
