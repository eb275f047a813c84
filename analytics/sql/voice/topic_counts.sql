-- requires: calendar/jm_calendar
-- Topic counts per jurisdiction (at $level) x period x topic for $record_kind ('demand' by received date,
-- 'comment' by comment date): records carrying the topic (given or derived), never a text.
-- $stations (NULL = all) limits the records to a scoped user's subtree.
WITH recs AS (
    SELECT 'demand' AS record_kind, demand_id AS record_id, jurisdiction_code, CAST(received_at AS DATE) AS day,
           batch_id FROM demands
    UNION ALL
    SELECT 'comment', comment_id, jurisdiction_code, commented_at, batch_id FROM comments
),
tagged AS (
    SELECT a.ancestor_code AS jurisdiction, CAST(date_trunc('month', r.day) AS DATE) AS month, t.topic,
           r.record_id
    FROM recs r
    JOIN text_topics t ON t.record_kind = r.record_kind AND t.record_id = r.record_id AND t.batch_id = r.batch_id
    JOIN jurisdiction_ancestors a ON a.code = r.jurisdiction_code AND a.ancestor_level = $level
    WHERE r.record_kind = $record_kind
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
      AND ($stations IS NULL OR list_contains($stations, r.jurisdiction_code))
),
bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM tagged),
cal AS (SELECT c.* FROM bounds b, jm_calendar($period_kind, b.first_month, b.last_month) c)
SELECT g.jurisdiction, c.period, c.period_start, g.topic, count(DISTINCT g.record_id) AS n
FROM tagged g JOIN cal c ON c.month = g.month
WHERE ($date_from IS NULL OR c.period_start >= $date_from)
  AND ($date_to IS NULL OR c.period_start <= $date_to)
GROUP BY g.jurisdiction, c.period, c.period_start, g.topic
ORDER BY g.jurisdiction, c.period_start, n DESC, g.topic;
