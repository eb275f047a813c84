-- Respondents per survey mode of a survey file (a wave may mix modes).
SELECT mode, count(*) AS n FROM ingest_typed WHERE mode IS NOT NULL GROUP BY 1 ORDER BY 1;
