-- One problem found in Python (file-level and mapping problems).
INSERT INTO ingest_problems VALUES ($row, $col, $value, $code, $key, $params);
