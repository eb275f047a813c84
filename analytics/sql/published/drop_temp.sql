-- The scratch tables of a published-results load, dropped once it is stored.
DROP TABLE IF EXISTS pub_cells;
DROP TABLE IF EXISTS pub_parsed;
DROP TABLE IF EXISTS pub_dups;
DROP TABLE IF EXISTS pub_measures;
DROP TABLE IF EXISTS pub_period_texts;
DROP TABLE IF EXISTS ingest_raw;
