-- Records the CSV reader returned and rows it rejected.
SELECT (SELECT count(*) FROM ingest_raw0) AS n_rows, (SELECT count(*) FROM ingest_rejects) AS n_rejects;
