-- The CSV reader's reject tables of an earlier file on this connection (read_csv writes them afresh).
DROP TABLE IF EXISTS ingest_rejects;
DROP TABLE IF EXISTS ingest_reject_scans;
