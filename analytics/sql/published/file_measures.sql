-- The measures the file publishes, by name.
SELECT DISTINCT measure FROM pub_dups ORDER BY 1;
