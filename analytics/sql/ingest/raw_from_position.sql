-- A quoted value spanning several lines: records are numbered by position after the $skip lines.
CREATE OR REPLACE TEMP TABLE ingest_raw AS SELECT rowid + 1 + $skip AS _row, * FROM ingest_raw0;
