-- One IPF step for margin $m: GROUP BY the margin's categories, then scale every weight in a category by
-- population / current total.
UPDATE _jm_rake_w SET w = _jm_rake_w.w * f.factor
FROM (
    SELECT c.respondent_key, mg.population / g.total AS factor
    FROM _jm_rake_cat c
    JOIN (
        SELECT c.cid, sum(w.w) AS total
        FROM _jm_rake_cat c JOIN _jm_rake_w w ON w.respondent_key = c.respondent_key
        WHERE c.m = $m
        GROUP BY c.cid
    ) g ON g.cid = c.cid
    JOIN _jm_rake_margin mg ON mg.cid = c.cid
    WHERE c.m = $m
) f
WHERE _jm_rake_w.respondent_key = f.respondent_key;
