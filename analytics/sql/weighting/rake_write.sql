-- Keep the raked weights.
UPDATE respondents SET weight = w.w FROM _jm_rake_w w WHERE respondents.respondent_key = w.respondent_key;
