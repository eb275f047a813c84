-- Survey answers of an upload: value-mapped to canonical codes, blanks to the item's don't-know code,
-- then checked against the item's codes (an open item, such as sex, age band or interviewer, keeps any
-- label: its mapped code when the value map knows the text, else the trimmed text itself). Respondent ids are
-- checked for repeats by ingest/survey_duplicates, once the file's text copies are freed.
-- Each distinct (column, answer text) is value-mapped and checked once (ingest_answer_values, a few dozen
-- rows: jm_norm runs regular expressions); every answer cell then keeps only the number of its value (vid), one
-- column per item column (ingest_answers, written by analytics.ingest.checks._answer_cells).
-- A value the maps lack is one of two things. A number (the cell as the maps fold it: full-width digits,
-- '7.0' -> '7') off a numeric scale (below its low end, above its high end, or a fraction: not a point of it)
-- cannot be an answer: an impossible value naming the scale. Anything else (a label, a number on the scale
-- that is not one of the item's codes) asks for a mapping. A value the maps map (a vendor's 9 or 99 for
-- don't know) is mapped, never out of scale: only unmapped values (NOT hit) are classified.
CREATE OR REPLACE TEMP TABLE ingest_answer_values AS
WITH vals AS (
    SELECT col, raw FROM ingest_answer_texts
),
mapped AS (
    SELECT x.col, c.item, c.header, x.raw,
           v.key IS NOT NULL AS hit,
           CASE WHEN nullif(trim(x.raw), '') IS NULL OR (v.key IS NOT NULL AND v.code IS NULL) THEN d.dk_default
                WHEN d.is_open AND v.key IS NULL THEN trim(regexp_replace(jm_fold(x.raw), '\s+', ' ', 'g'))
                ELSE v.code END AS code,
           CASE WHEN regexp_full_match(jm_norm(x.raw), '-?[0-9]+(\.[0-9]+)?')
                THEN TRY_CAST(jm_norm(x.raw) AS DOUBLE) END AS number,
           d.codes, d.dk_codes, d.is_open, d.scale_low, d.scale_high
    FROM vals x
    JOIN ingest_itemcols c ON c.col = x.col
    JOIN ingest_item_defs d ON d.item = c.item
    LEFT JOIN ingest_vmap v ON v.target = c.item AND v.key = jm_norm(x.raw)
),
checked AS (
    SELECT *,
           NOT is_open AND ((code IS NULL AND nullif(trim(raw), '') IS NOT NULL AND NOT hit)
               OR (code IS NOT NULL AND NOT list_contains(codes, code) AND NOT list_contains(dk_codes, code))) AS bad,
           CASE WHEN NOT hit AND number IS NOT NULL AND scale_low IS NOT NULL THEN
                CASE WHEN number < scale_low OR number > scale_high THEN 'out_of_scale'
                     WHEN number <> floor(number) THEN 'not_on_scale' END
           END AS off_scale
    FROM mapped
)
SELECT CAST(row_number() OVER (ORDER BY col, item, raw) AS INTEGER) AS vid, col, item, header, raw, code,
       list_contains(dk_codes, code) AS is_dk, bad,
       CASE WHEN off_scale IS NOT NULL THEN 'impossible_value' ELSE 'invalid_code' END AS bad_code,
       CASE WHEN off_scale IS NOT NULL THEN off_scale
            WHEN len(dk_codes) > 0 THEN 'invalid_code_dk' ELSE 'invalid_code' END AS bad_key,
       array_to_string(codes, ', ') AS valid, array_to_string(dk_codes, ', ') AS dont_know,
       scale_low, scale_high
FROM checked;
