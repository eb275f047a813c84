-- Which of the candidate items ($items) have at least one answer.
SELECT DISTINCT item FROM answers WHERE list_contains($items, item) ORDER BY item;
