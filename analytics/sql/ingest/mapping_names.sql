-- The names of the saved mappings (for the message naming what there is).
SELECT name FROM mappings ORDER BY name;
