-- The kind ('rate' or 'mean') of indicator $key; no row when there is no such indicator.
SELECT kind FROM indicators WHERE key = $key;
