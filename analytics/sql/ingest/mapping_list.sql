-- Saved mappings, of one kind or (NULL) of every kind.
SELECT name, kind, updated_at FROM mappings WHERE $kind IS NULL OR kind = $kind ORDER BY name;
