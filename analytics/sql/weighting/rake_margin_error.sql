-- The largest relative gap |Σw - population| / population over every margin category.
SELECT max(abs(s.total - mg.population) / mg.population) AS error
FROM _jm_rake_margin mg
JOIN (
    SELECT c.cid, sum(w.w) AS total
    FROM _jm_rake_cat c JOIN _jm_rake_w w ON w.respondent_key = c.respondent_key
    GROUP BY c.cid
) s ON s.cid = mg.cid;
