-- What a database holds: loaded batches, respondents and cases (the demo command's check and summary).
SELECT (SELECT count(*) FROM batches WHERE status = 'loaded') AS batches,
       (SELECT count(*) FROM respondents) AS respondents,
       (SELECT count(*) FROM cases) AS cases;
