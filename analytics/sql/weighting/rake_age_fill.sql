-- Ages in years on a banded dimension ($dim): respondents without an answer to the dimension's item take their
-- answer to the age item ($age), unless the dimension is the age item itself.
INSERT INTO _jm_rake_dimval
SELECT a.respondent_key, $m, $pos, trim(a.code), trim(a.code)
FROM answers a JOIN _jm_rake_w w ON w.respondent_key = a.respondent_key
WHERE a.item = $age AND $dim <> $age
  AND NOT EXISTS (SELECT 1 FROM _jm_rake_dimval d WHERE d.respondent_key = a.respondent_key
                  AND d.m = $m AND d.pos = $pos);
