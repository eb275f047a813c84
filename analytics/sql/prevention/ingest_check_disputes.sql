-- requires: ingest/record_macros
-- Dispute-specific checks of an upload (one row per dispute x party, so an id may repeat): the rows of
-- one dispute must agree on everything but the party, and mediation cannot come before the dispute was found.
INSERT INTO ingest_problems
SELECT _row, jm_h('dispute_id'), dispute_id, 'rows_disagree', 'record_rows_disagree',
       json_object('id', dispute_id, 'first_row', first_row)
FROM (
    SELECT _row, dispute_id,
           min(_row) OVER (PARTITION BY dispute_id) AS first_row,
           count(DISTINCT (jurisdiction, found_at, source_label, dispute_type_label, mediation_result_label,
                           mediated_at)) OVER (PARTITION BY dispute_id) AS versions
    FROM ingest_typed WHERE dispute_id IS NOT NULL
)
WHERE versions > 1 AND _row > first_row;

INSERT INTO ingest_problems SELECT * FROM jm_date_order_problems('mediated_at', 'found_at', '%Y-%m-%d');
