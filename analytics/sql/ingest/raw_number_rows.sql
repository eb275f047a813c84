-- Number the staged CSV records by position (a load on several threads; on one, the staging pass numbers them
-- with row_number() OVER (), analytics/ingest/raw.py): _row = the position plus the $skip lines above the first.
-- A column default drawn from a sequence is filled in the table's row order, which for a table written from
-- read_csv with preserve_insertion_order (DuckDB's default) is the file's order. row_number() OVER () in the
-- staging pass gave the same numbers but made that pass single-threaded (a streaming window keeps its input in
-- order on one thread): 1.8 s against 7.6 s for 1M rows of 20 columns on two threads. An UPDATE would have kept
-- the whole column's update records in memory (+680 MB at 3.9M rows, issue 21); an added column costs 8 bytes a row.
CREATE OR REPLACE TEMP SEQUENCE ingest_rowseq START WITH 1;
SELECT max(nextval('ingest_rowseq')) FROM range($skip);
ALTER TABLE ingest_raw0 ADD COLUMN _row BIGINT DEFAULT nextval('ingest_rowseq');
