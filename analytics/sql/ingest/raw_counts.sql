-- Blank rows and rows holding data in ingest_raw (_blank is never NULL).
SELECT count(*) FILTER (WHERE _blank) AS blank, count(*) FILTER (WHERE NOT _blank) AS data
FROM ingest_raw;
