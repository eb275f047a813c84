-- Records and lines pair one to one: each record takes its line's number (_row was its position plus the
-- $skip lines above the first).
CREATE OR REPLACE TEMP TABLE ingest_raw AS
SELECT m.line_no AS _row, r.* EXCLUDE (_row) FROM ingest_raw0 r JOIN ingest_linemap m ON m._ord = r._row - $skip;
