-- Records the reader returned and data lines they should pair with.
SELECT (SELECT count(*) FROM ingest_raw0) AS n_rows, (SELECT count(*) FROM ingest_linemap) AS n_lines;
