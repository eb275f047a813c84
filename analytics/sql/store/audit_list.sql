-- The newest audit-log entries.
SELECT audit_id, logged_at, actor, action, detail
FROM audit_log
ORDER BY audit_id DESC
LIMIT $limit;
