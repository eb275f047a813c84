-- The definition and its cells go together (the cells of a removed indicator would never be read again).
DELETE FROM indicator_cells WHERE indicator = $key;
DELETE FROM indicators WHERE key = $key;
