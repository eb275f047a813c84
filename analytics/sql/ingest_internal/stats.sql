-- What a checked internal-evaluation file holds: distinct measures, periods and officers.
SELECT count(DISTINCT measure_key) AS measures, count(DISTINCT period_label) AS periods,
       count(DISTINCT officer_id) AS officers
FROM ingest_internal_rows;
