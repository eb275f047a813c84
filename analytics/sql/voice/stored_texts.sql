-- Every stored (already redacted) text of demand and comment rows, of every batch (a superseded row comes
-- back if the newer batch is removed), for re-tagging after the dictionary changed.
SELECT 'demand' AS record_kind, demand_id AS record_id, batch_id, text FROM demand_events
UNION ALL
SELECT 'comment', comment_id, batch_id, text FROM comment_events;
