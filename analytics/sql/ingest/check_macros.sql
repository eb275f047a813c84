-- Helpers for the checks of one upload; they read the TEMP table ingest_colmap (target -> header).
-- A problem in a value set for the whole file is reported once, without a row number.

CREATE OR REPLACE TEMP MACRO jm_h(tt) AS (
    (SELECT header FROM ingest_colmap WHERE target = tt)
);

CREATE OR REPLACE TEMP MACRO jm_row(tt, r) AS (
    CASE WHEN (SELECT is_constant FROM ingest_colmap WHERE target = tt) THEN NULL ELSE r END
);

-- Personal numbers are never echoed back in full, not even in a problem report.
CREATE OR REPLACE TEMP MACRO jm_mask(s) AS (
    CASE WHEN length(trim(s)) > 7 THEN left(trim(s), 3) || repeat('*', length(trim(s)) - 7) || right(trim(s), 4)
         ELSE '***' END
);
