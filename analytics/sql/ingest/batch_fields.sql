-- Which canonical fields batch $batch_id gave (a column or a whole-file value): a metric whose source
-- field no loaded batch gave is "no data" rather than 0% (analytics.cases).
INSERT INTO batch_fields (batch_id, field) SELECT DISTINCT $batch_id, unnest($fields);
