-- One problem per cell longer than $max_cell characters, with its row and column header ($headers, by position).
INSERT INTO ingest_problems
SELECT _row, $headers[i], NULL, 'cell_too_long', 'cell_too_long', json_object('n', n, 'limit', $max_cell)
FROM (SELECT _row, unnest(_long) AS n, generate_subscripts(_long, 1) AS i FROM ingest_raw WHERE _long IS NOT NULL)
WHERE n > $max_cell;
