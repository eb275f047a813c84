-- Jurisdictions an upload names that the registry lacks, added as stations when the user asked for it.
INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population, batch_id)
SELECT code, raw, raw, $parent, 'station', NULL, $batch_id
FROM ingest_jvals
WHERE status = 'new';
