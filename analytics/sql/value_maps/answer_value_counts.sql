-- The distinct answers of each item column of an upload (after ingest_survey_answers) with their counts,
-- the code each maps to now (NULL: not mapped; a don't-know code for blanks and don't-know words) and whether
-- it is unknown (rejected). Only columns of items with a fixed code list (open items keep any label) that hold
-- text answers or unknown values: the columns the analyst may need to map. At most $max_values per column.
WITH counted AS (
    SELECT v.header AS column_name, v.item, v.raw AS value, count(a._row) AS n, v.code, v.bad,
           v.raw IS DISTINCT FROM v.code AS is_text
    FROM ingest_answer_values v
    JOIN ingest_item_defs d ON d.item = v.item AND NOT d.is_open
    LEFT JOIN ingest_answer_cells a ON a.vid = v.vid
    WHERE nullif(trim(v.raw), '') IS NOT NULL
    GROUP BY ALL
),
wanted AS (
    SELECT column_name FROM counted GROUP BY column_name HAVING bool_or(bad) OR bool_or(is_text)
)
SELECT column_name, item, value, n, code, bad
FROM counted SEMI JOIN wanted USING (column_name)
QUALIFY row_number() OVER (PARTITION BY column_name ORDER BY bad DESC, n DESC, value) <= $max_values
ORDER BY column_name, bad DESC, n DESC, value;
