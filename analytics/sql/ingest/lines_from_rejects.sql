-- When the line scan fails: the lines the reader rejected, none of them blank.
CREATE OR REPLACE TEMP TABLE ingest_lines AS
SELECT DISTINCT line AS line_no, false AS blank FROM ingest_rejects;
