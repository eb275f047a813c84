-- Store the matched shapes of one upload: each code's shape replaces the one stored before.
INSERT OR REPLACE INTO jurisdiction_boundaries (code, geometry, source_name, loaded_by)
SELECT unnest($codes), unnest($geometries), $source_name, $actor;
