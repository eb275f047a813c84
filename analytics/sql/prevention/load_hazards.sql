-- Append a checked hazards upload as batch $batch_id (a hazard loaded before gets a newer row).
INSERT INTO hazard_events (batch_id, hazard_id, jurisdiction_code, found_at, place_category, place_category_label,
                           severity, severity_label, deadline, rectified_at)
SELECT $batch_id, hazard_id, jurisdiction, found_at, place_category, place_category_label, severity,
       severity_label, deadline, rectified_at
FROM ingest_typed;
