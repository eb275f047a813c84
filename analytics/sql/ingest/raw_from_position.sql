-- A quoted value spanning several lines: records keep their position after the $skip lines, as staged.
ALTER TABLE ingest_raw0 RENAME TO ingest_raw;
