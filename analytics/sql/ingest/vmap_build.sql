-- (target, folded file value) -> code; of two entries folding to one value the later (the mapping's) wins.
CREATE OR REPLACE TEMP TABLE ingest_vmap AS SELECT target, jm_norm(raw) AS key, code
FROM ingest_vmap_raw
QUALIFY row_number() OVER (PARTITION BY target, jm_norm(raw) ORDER BY seq DESC) = 1;
