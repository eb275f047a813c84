-- A margin's category starts as the value of its first dimension.
INSERT INTO _jm_rake_cat SELECT respondent_key, m, value, NULL, raw FROM _jm_rake_dimval WHERE m = $m AND pos = 0;
