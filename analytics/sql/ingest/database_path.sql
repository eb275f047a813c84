-- The file of the connection's database (NULL path or no row: a database in memory).
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
