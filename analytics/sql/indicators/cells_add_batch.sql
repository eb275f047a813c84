-- Add batch $batch_id's cells to indicator_cells (jm_cells from indicator_cells_macro must exist). Every
-- column is a sum over PSUs, so old + new is the rebuild's result as long as the batch shares no PSU with
-- the data already loaded (indicator_cells_shared_clusters says whether it does).
CREATE OR REPLACE TEMP TABLE indicator_cells_batch AS SELECT * FROM jm_cells($batch_id);

CREATE OR REPLACE TEMP TABLE indicator_cells_merged AS
SELECT indicator, jurisdiction_code, month, wave, stratum,
       sum(n) AS n, sum(n_dk) AS n_dk, sum(n_psu) AS n_psu, sum(sum_y) AS sum_y, sum(sum_y2) AS sum_y2,
       sum(sum_w) AS sum_w, sum(sum_w2) AS sum_w2, sum(sum_wy) AS sum_wy,
       sum(psu_aa) AS psu_aa, sum(psu_ab) AS psu_ab, sum(psu_bb) AS psu_bb
FROM (
    SELECT c.* FROM indicator_cells c
    SEMI JOIN indicator_cells_batch b USING (indicator, jurisdiction_code, month, wave, stratum)
    UNION ALL BY NAME
    SELECT * FROM indicator_cells_batch
)
GROUP BY indicator, jurisdiction_code, month, wave, stratum;

DELETE FROM indicator_cells c
WHERE EXISTS (SELECT 1 FROM indicator_cells_batch b
              WHERE b.indicator = c.indicator AND b.jurisdiction_code = c.jurisdiction_code
                AND b.month = c.month AND b.wave = c.wave AND b.stratum = c.stratum);

INSERT INTO indicator_cells BY NAME SELECT * FROM indicator_cells_merged;

DROP TABLE indicator_cells_batch;
DROP TABLE indicator_cells_merged;
