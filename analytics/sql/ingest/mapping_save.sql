-- Save a mapping by name, replacing one of the same name.
INSERT INTO mappings (name, kind, spec, updated_at) VALUES ($name, $kind, $spec, current_timestamp)
ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, updated_at = excluded.updated_at;
