-- How many respondents are raked.
SELECT count(*) AS n FROM _jm_rake_w;
