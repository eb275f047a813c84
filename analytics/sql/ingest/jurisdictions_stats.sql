-- A registry upload's rows: how many update a code already in the registry, how many in all, how many are
-- communities (below a station).
SELECT count(*) FILTER (WHERE code IN (SELECT code FROM jurisdictions)) AS updated, count(*) AS total,
       count(*) FILTER (WHERE level = 'community') AS communities
FROM ingest_typed;
