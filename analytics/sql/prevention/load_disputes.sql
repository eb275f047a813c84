-- Append a checked disputes upload as batch $batch_id: one row per dispute (its rows agree, checked) and
-- one row per distinct party key. A dispute loaded before gets a newer row (the disputes view shows it).
INSERT INTO dispute_events (batch_id, dispute_id, jurisdiction_code, found_at, source, source_label,
                            dispute_type, dispute_type_label, mediation_result, mediation_result_label, mediated_at)
SELECT DISTINCT ON (dispute_id) $batch_id, dispute_id, jurisdiction, found_at, source, source_label,
       dispute_type, dispute_type_label, mediation_result, mediation_result_label, mediated_at
FROM ingest_typed
ORDER BY dispute_id, _row;

INSERT INTO dispute_parties (batch_id, dispute_id, party_hash)
SELECT DISTINCT $batch_id, dispute_id, party_hash
FROM ingest_typed
WHERE $given_party_hash AND party_hash IS NOT NULL;
