-- A workbook's rows are numbered by the reader: the sheet's text (now in ingest_raw0, personal columns
-- hashed or left out) goes, and ingest_raw0 becomes ingest_raw.
DROP TABLE IF EXISTS ingest_xlsx;
ALTER TABLE ingest_raw0 RENAME TO ingest_raw;
