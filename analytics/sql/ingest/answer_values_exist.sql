-- Whether the survey answers were read (the value-map table can be built).
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'ingest_answer_values' AND temporary;
