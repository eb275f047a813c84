-- Record migration $version ($name) as applied (inside the transaction that applied it).
INSERT INTO schema_version (version, name) VALUES ($version, $name);
