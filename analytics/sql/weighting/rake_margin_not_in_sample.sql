-- Margin categories that no respondent falls in.
SELECT mg.m, mg.label FROM _jm_rake_margin mg
WHERE NOT EXISTS (SELECT 1 FROM _jm_rake_cat c WHERE c.m = mg.m AND c.cat = mg.cat)
ORDER BY mg.m, mg.label;
