-- The UTF-8 lines ($rows) of a GB18030 file, one problem each.
INSERT INTO ingest_problems
SELECT unnest($rows), NULL, NULL, 'mixed_encoding', 'mixed_encoding', $params;
