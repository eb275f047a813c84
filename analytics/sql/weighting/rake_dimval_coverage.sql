-- How many respondents have a value on the dimension, and how many values there are (more: duplicate answers).
SELECT count(DISTINCT respondent_key) AS respondents, count(*) AS n_values
FROM _jm_rake_dimval WHERE m = $m AND pos = $pos;
