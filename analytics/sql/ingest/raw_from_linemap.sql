-- Records and lines pair one to one: each record takes its line's number.
CREATE OR REPLACE TEMP TABLE ingest_raw AS
SELECT m.line_no AS _row, r.* FROM ingest_raw0 r JOIN ingest_linemap m ON m._ord = r.rowid + 1;
