-- Respondents per wave label of a survey file (NULL: rows without a label).
SELECT nullif(trim(wave), '') AS w, count(*) AS n FROM ingest_typed GROUP BY 1 ORDER BY 1;
