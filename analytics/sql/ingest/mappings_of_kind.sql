-- The saved mappings of one kind with their specs (to suggest one for a file's headers).
SELECT name, spec FROM mappings WHERE kind = $kind ORDER BY name;
