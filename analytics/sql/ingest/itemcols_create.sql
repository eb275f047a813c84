-- Which item and header each staged answer column (c0, c1, ...) stands for.
CREATE OR REPLACE TEMP TABLE ingest_itemcols (col VARCHAR, item VARCHAR, header VARCHAR);
