-- "You said, we did" rows of one jurisdiction and period (label and kind: a wave may share a calendar label),
-- in the order the forum team set.
SELECT action_id, concern, action, status, position, updated_at, updated_by, topics
FROM forum_actions
WHERE jurisdiction_code = $jurisdiction AND period = $period AND period_kind = $period_kind
ORDER BY position, action_id;
