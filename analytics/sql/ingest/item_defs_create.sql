-- The items a survey file answers: codes, don't-know codes (the first is the default) and open scale.
-- scale_low/scale_high: the numeric scale's ends (NULL for open and categorical items), so that a number
-- outside them is reported as impossible rather than as a label waiting for a mapping.
CREATE OR REPLACE TEMP TABLE ingest_item_defs (item VARCHAR, codes VARCHAR[], dk_codes VARCHAR[],
    dk_default VARCHAR, is_open BOOLEAN, scale_low INTEGER, scale_high INTEGER);
