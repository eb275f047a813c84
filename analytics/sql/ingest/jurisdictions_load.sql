-- Upsert a validated jurisdictions upload as batch $batch_id; a blank English name takes the Chinese one.
INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level, population, batch_id)
SELECT code, name_zh, coalesce(name_en, name_zh), parent_code, level, population, $batch_id
FROM ingest_typed
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, parent_code = excluded.parent_code,
    level = excluded.level, population = excluded.population, batch_id = excluded.batch_id;
