-- A registry upload's rows: how many update a code already in the registry, how many in all.
SELECT count(*) FILTER (WHERE code IN (SELECT code FROM jurisdictions)) AS updated, count(*) AS total
FROM ingest_typed;
