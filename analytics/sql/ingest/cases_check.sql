-- Case-specific checks of an upload: a case id twice in one file (unless the mapping keeps the last
-- row), and times that come before the report time.
INSERT INTO ingest_problems
SELECT _row, jm_h('case_id'), case_id, 'duplicate_id', 'duplicate_case_id',
       json_object('id', case_id, 'first_row', first_row)
FROM (
    SELECT _row, case_id, min(_row) OVER (PARTITION BY case_id) AS first_row
    FROM ingest_typed WHERE case_id IS NOT NULL
)
WHERE _row > first_row;

INSERT INTO ingest_problems
SELECT x._row, jm_h(x.field), strftime(x.ts, '%Y-%m-%d %H:%M'), 'time_order', 'time_order',
       json_object('field', x.field, 'time', strftime(x.ts, '%Y-%m-%d %H:%M'),
                   'reported', strftime(x.reported_at, '%Y-%m-%d %H:%M'))
FROM (
    SELECT _row, 'first_response_at' AS field, first_response_at AS ts, reported_at FROM ingest_typed
    UNION ALL SELECT _row, 'closed_at', closed_at, reported_at FROM ingest_typed
    UNION ALL SELECT _row, 'callback_at', callback_at, reported_at FROM ingest_typed
    UNION ALL SELECT _row, 'rectified_at', rectified_at, reported_at FROM ingest_typed
) x
WHERE x.ts < x.reported_at;
