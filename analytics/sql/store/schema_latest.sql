-- The newest migration applied (fails with a catalog error on a file nothing has migrated yet).
SELECT max(version) AS latest FROM schema_version;
