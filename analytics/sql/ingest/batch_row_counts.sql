-- How many respondents, answers and case rows a batch loaded (what removing it takes away).
SELECT
    (SELECT count(*) FROM respondents WHERE batch_id = $batch_id) AS respondents,
    (SELECT count(*) FROM answers WHERE batch_id = $batch_id) AS answers,
    (SELECT count(*) FROM case_events WHERE batch_id = $batch_id) AS case_events;
