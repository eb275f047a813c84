-- How many exclusions are in force (not restored).
SELECT count(*) AS n FROM integrity_exclusions WHERE restored_at IS NULL;
