-- Hazard-specific checks: a hazard id once per file; rectification and deadline not before the finding.
INSERT INTO ingest_problems
SELECT _row, jm_h('hazard_id'), hazard_id, 'duplicate_id', 'record_duplicate_id',
       json_object('id', hazard_id, 'first_row', first_row)
FROM (SELECT _row, hazard_id, min(_row) OVER (PARTITION BY hazard_id) AS first_row
      FROM ingest_typed WHERE hazard_id IS NOT NULL)
WHERE _row > first_row;

INSERT INTO ingest_problems
SELECT x._row, jm_h(x.field), strftime(x.d, '%Y-%m-%d'), 'date_order', 'record_date_order',
       json_object('field', x.field, 'date', strftime(x.d, '%Y-%m-%d'), 'before', 'found_at',
                   'other', strftime(x.found_at, '%Y-%m-%d'))
FROM (
    SELECT _row, 'rectified_at' AS field, rectified_at AS d, found_at FROM ingest_typed
    UNION ALL SELECT _row, 'deadline', deadline, found_at FROM ingest_typed
) x
WHERE x.d < x.found_at;
