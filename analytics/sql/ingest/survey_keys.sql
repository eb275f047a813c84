-- Draw the batch's $n respondent keys from respondent_key_seq in one statement (inside the load transaction, so
-- a rollback returns them as it returned the per-row draws before), with the span of the rows they go to: when
-- the rows are numbered without gaps (no blank or skipped row), a row's key is its number plus a fixed offset
-- and no answer cell needs a join to a key table (ingest/survey_load).
WITH drawn AS (
    SELECT min(k) AS first_key, max(k) AS last_key, count(*) AS n_keys
    FROM (SELECT nextval('respondent_key_seq') AS k FROM range($n))
),
span AS (
    SELECT min(_row) AS first_row, max(_row) AS last_row, count(*) AS n_rows FROM ingest_typed
)
SELECT first_key, last_key, n_keys, first_row, last_row, n_rows FROM drawn, span;
