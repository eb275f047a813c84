-- The distinct stored (already redacted) texts of demand and comment rows of every batch (a superseded row
-- comes back if the newer batch is removed): what a re-tagging segments, once per text.
SELECT DISTINCT text FROM demand_events
UNION
SELECT text FROM comment_events;
