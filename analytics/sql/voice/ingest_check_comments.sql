-- Comment-specific checks: a comment id once per file.
INSERT INTO ingest_problems
SELECT _row, jm_h('comment_id'), comment_id, 'duplicate_id', 'record_duplicate_id',
       json_object('id', comment_id, 'first_row', first_row)
FROM (SELECT _row, comment_id, min(_row) OVER (PARTITION BY comment_id) AS first_row
      FROM ingest_typed WHERE comment_id IS NOT NULL)
WHERE _row > first_row;
