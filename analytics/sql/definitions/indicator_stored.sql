-- The stored row of one indicator, whole (compared before and after a save to tell whether it changed).
SELECT * FROM indicators WHERE key = $key;
