-- The file behind the connection (empty for a database in memory).
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
