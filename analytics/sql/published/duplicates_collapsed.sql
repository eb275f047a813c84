-- Exact duplicate rows collapsed into their first: how many, and the first ten of their row numbers.
SELECT count(*) AS n, list(_row ORDER BY _row)[:10] AS first_rows FROM pub_dups WHERE same AND _row <> first_row;
