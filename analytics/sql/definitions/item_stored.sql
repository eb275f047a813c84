-- The stored row of one item, whole (compared before and after a save to tell whether it changed).
SELECT * FROM items WHERE item = $key;
