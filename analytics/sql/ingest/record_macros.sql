-- The checks and label lists that disputes, hazards, demands and comments uploads share (issue 19), written
-- once for prevention/ingest_check_*, voice/ingest_check_* and the */unmapped_* lists that require this file.
-- They read the TEMP tables of one upload: ingest_typed (a family column X beside its file label X_label),
-- ingest_vmap and, through jm_h (ingest/check_macros), ingest_colmap. Column names come from those files'
-- literals, never from input.

-- Every row after the first that repeats an id of the file, as ingest_problems rows.
CREATE OR REPLACE TEMP MACRO jm_repeated_id_problems(id_column) AS TABLE
SELECT _row, jm_h(id_column), id, 'duplicate_id', 'record_duplicate_id',
       json_object('id', id, 'first_row', first_row)
FROM (SELECT _row, id, min(_row) OVER (PARTITION BY id) AS first_row
      FROM (SELECT _row, COLUMNS(id_column) AS id FROM ingest_typed)
      WHERE id IS NOT NULL)
WHERE _row > first_row;

-- Rows whose date_column lies before before_column (both dates or both timestamps, shown as fmt), as
-- ingest_problems rows; a missing date is no problem here.
CREATE OR REPLACE TEMP MACRO jm_date_order_problems(date_column, before_column, fmt) AS TABLE
SELECT _row, jm_h(date_column), strftime(d, fmt), 'date_order', 'record_date_order',
       json_object('field', date_column, 'date', strftime(d, fmt), 'before', before_column,
                   'other', strftime(b, fmt))
FROM (SELECT _row, COLUMNS(date_column) AS d, COLUMNS(before_column) AS b FROM ingest_typed)
WHERE d < b;

-- Labels kept as family 'other' that no value map of their field knows, for the fields named (each a family
-- column beside its _label column): field, label, rows; to be proposed for mapping, never dropped.
CREATE OR REPLACE TEMP MACRO jm_unmapped_labels(fields) AS TABLE
SELECT field, label, count(*) AS n
FROM (
    -- One row per upload row x field: the family and the label, from the two columns of the field.
    SELECT _row, regexp_replace(name, '_label$', '') AS field,
           any_value(value) FILTER (WHERE NOT ends_with(name, '_label')) AS family,
           any_value(value) FILTER (WHERE ends_with(name, '_label')) AS label
    FROM (UNPIVOT (SELECT _row, COLUMNS(lambda c: list_contains(fields, regexp_replace(c, '_label$', '')))
                   FROM ingest_typed)
          ON COLUMNS(* EXCLUDE (_row)) INTO NAME name VALUE value)
    GROUP BY ALL
)
WHERE family = 'other' AND label IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = field AND v.key = jm_norm(label))
GROUP BY ALL
ORDER BY field, n DESC, label;
