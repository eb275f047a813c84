-- DuckDB's memory limit for this connection ($limit: a size such as 3GB); work beyond it spills to <database>.tmp.
SET memory_limit = $limit;
