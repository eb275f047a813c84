-- Problems found in Python, one row each (row, column, value, code, message key, parameters as JSON).
INSERT INTO ingest_problems VALUES (?, ?, ?, ?, ?, ?);
