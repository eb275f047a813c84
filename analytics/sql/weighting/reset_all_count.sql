-- How many respondents a reset of every batch touches.
SELECT count(*) AS n FROM respondents;
