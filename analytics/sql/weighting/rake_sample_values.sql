-- The sample's labels on one dimension: folded value, a spelling as given, and how many respondents carry it.
SELECT value, min(raw) AS raw, count(*) AS n FROM _jm_rake_dimval WHERE m = $m AND pos = $pos
GROUP BY value ORDER BY value;
