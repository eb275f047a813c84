-- Demand-specific checks: a demand id once per file; the answer not before the demand was received.
INSERT INTO ingest_problems
SELECT _row, jm_h('demand_id'), demand_id, 'duplicate_id', 'record_duplicate_id',
       json_object('id', demand_id, 'first_row', first_row)
FROM (SELECT _row, demand_id, min(_row) OVER (PARTITION BY demand_id) AS first_row
      FROM ingest_typed WHERE demand_id IS NOT NULL)
WHERE _row > first_row;

INSERT INTO ingest_problems
SELECT _row, jm_h('answered_at'), strftime(answered_at, '%Y-%m-%d %H:%M'), 'date_order', 'record_date_order',
       json_object('field', 'answered_at', 'date', strftime(answered_at, '%Y-%m-%d %H:%M'),
                   'before', 'received_at', 'other', strftime(received_at, '%Y-%m-%d %H:%M'))
FROM ingest_typed
WHERE answered_at < received_at;
