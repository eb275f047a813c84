-- Sample categories that no margin row has: margin, a spelling, respondents.
SELECT c.m, min(c.raw) AS raw, count(*) AS n FROM _jm_rake_cat c
WHERE NOT EXISTS (SELECT 1 FROM _jm_rake_margin mg WHERE mg.m = c.m AND mg.cat = c.cat)
GROUP BY c.m, c.cat ORDER BY c.m, c.cat;
