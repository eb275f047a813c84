-- The data lines in order (after the $skip lines above the first; blank lines are returned as rows only
-- by a file of one column, $single), rejected lines left out: the n-th is the line of the n-th record.
CREATE OR REPLACE TEMP TABLE ingest_linemap AS
SELECT row_number() OVER (ORDER BY line_no) AS _ord, line_no
FROM ingest_lines
WHERE line_no > $skip AND (NOT blank OR $single)
  AND line_no NOT IN (SELECT line FROM ingest_rejects);
