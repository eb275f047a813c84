-- How many cases of an upload are new and how many update a case already loaded (one row).
SELECT count(*) FILTER (WHERE p.case_id IS NULL) AS new_cases,
       count(*) FILTER (WHERE p.case_id IS NOT NULL) AS updated_cases,
       min(n.reported_at) AS first_reported,
       max(n.reported_at) AS last_reported
FROM ingest_typed n LEFT JOIN cases p ON p.case_id = n.case_id;
