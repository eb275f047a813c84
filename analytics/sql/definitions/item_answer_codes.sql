-- The codes loaded for one item and how many answers carry each: a new definition of the item must keep
-- every one of them valid (an answer or a don't-know code), else the loaded data would no longer check.
SELECT code, count(*) AS answers
FROM answers
WHERE item = $item
GROUP BY code
ORDER BY code
