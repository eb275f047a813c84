-- The figures a load keeps (duplicates collapsed), and how many of them are marked not published (no value).
SELECT count(*) AS figures, count(*) FILTER (WHERE value IS NULL) AS not_published
FROM pub_dups WHERE same AND _row = first_row;
