-- Problems per code, codes in the order of their first row (file-level problems first).
SELECT code, count(*) AS n FROM ingest_problems GROUP BY code ORDER BY min(coalesce(row_no, -1)), code;
