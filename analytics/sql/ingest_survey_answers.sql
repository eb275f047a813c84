-- Survey answers of an upload: value-mapped to canonical codes, blanks to the item's don't-know code,
-- then checked against the item's codes; respondent ids checked for repeats in the file and in the store.
-- Each distinct (item, answer text) is value-mapped once and joined back: jm_norm runs regular expressions,
-- and a file has a few dozen distinct answers but millions of answer cells.
CREATE OR REPLACE TEMP TABLE ingest_answers AS
WITH vals AS (
    SELECT DISTINCT item, raw FROM ingest_long
),
mapped AS (
    SELECT x.item, x.raw,
           v.key IS NOT NULL AS hit,
           CASE WHEN nullif(trim(x.raw), '') IS NULL OR (v.key IS NOT NULL AND v.code IS NULL) THEN d.dk_default
                ELSE v.code END AS code
    FROM vals x
    JOIN ingest_item_defs d ON d.item = x.item
    LEFT JOIN ingest_vmap v ON v.target = x.item AND v.key = jm_norm(x.raw)
)
SELECT l._row, l.item, l.header, l.raw, m.hit, m.code
FROM ingest_long l
JOIN mapped m ON m.item = l.item AND m.raw IS NOT DISTINCT FROM l.raw;

INSERT INTO ingest_problems
SELECT a._row, a.header, a.raw, 'invalid_code',
       CASE WHEN len(d.dk_codes) > 0 THEN 'invalid_code_dk' ELSE 'invalid_code' END,
       json_object('value', a.raw, 'item', a.item, 'valid', array_to_string(d.codes, ', '),
                   'dont_know', array_to_string(d.dk_codes, ', '))
FROM ingest_answers a JOIN ingest_item_defs d ON d.item = a.item
WHERE (a.code IS NULL AND nullif(trim(a.raw), '') IS NOT NULL AND NOT a.hit)
   OR (a.code IS NOT NULL AND NOT list_contains(d.codes, a.code) AND NOT list_contains(d.dk_codes, a.code));

INSERT INTO ingest_problems
SELECT _row, jm_h('respondent_id'), respondent_id, 'duplicate_id', 'duplicate_respondent_id',
       json_object('id', respondent_id, 'first_row', first_row)
FROM (
    SELECT _row, respondent_id, min(_row) OVER (PARTITION BY respondent_id) AS first_row
    FROM ingest_typed WHERE respondent_id IS NOT NULL
)
WHERE _row > first_row;

INSERT INTO ingest_problems
SELECT t._row, jm_h('respondent_id'), t.respondent_id, 'duplicate_loaded', 'duplicate_loaded',
       json_object('id', t.respondent_id, 'batch', r.batch_id)
FROM ingest_typed t
JOIN (
    SELECT r.respondent_id, min(r.batch_id) AS batch_id
    FROM respondents r JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    GROUP BY 1
) r ON r.respondent_id = t.respondent_id;
