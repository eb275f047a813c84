-- The newest raking or reset of the weights in the audit log (no row when the weights were never touched).
SELECT action, actor, logged_at, detail FROM audit_log WHERE action IN ('weights.rake', 'weights.reset')
ORDER BY audit_id DESC LIMIT 1;
