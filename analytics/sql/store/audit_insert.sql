-- Append one entry to the audit log ($detail: JSON text).
INSERT INTO audit_log (actor, action, detail) VALUES ($actor, $action, $detail);
