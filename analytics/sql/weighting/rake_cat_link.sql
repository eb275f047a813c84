-- Link every respondent's category to its margin row.
UPDATE _jm_rake_cat SET cid = mg.cid FROM _jm_rake_margin mg WHERE mg.m = _jm_rake_cat.m AND mg.cat = _jm_rake_cat.cat;
