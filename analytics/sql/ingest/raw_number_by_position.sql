-- One record per line, none skipped: a record's position is its line ($skip lines before the first).
-- A new column set by UPDATE, not a copy of the table (a tenth of the time; rowid is the insertion position).
ALTER TABLE ingest_raw0 ADD COLUMN _row BIGINT;
UPDATE ingest_raw0 SET _row = rowid + 1 + $skip;
ALTER TABLE ingest_raw0 RENAME TO ingest_raw;
