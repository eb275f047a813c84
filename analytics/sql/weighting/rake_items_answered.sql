-- The items respondents in scope answered (first 30, by name), to name in an unknown-item error.
SELECT DISTINCT a.item FROM answers a JOIN _jm_rake_w w USING (respondent_key) ORDER BY 1 LIMIT 30;
