-- Append the value of dimension $pos to margin $m's category (an UPDATE with a hash join: much faster in DuckDB
-- than an ordered string_agg).
UPDATE _jm_rake_cat SET cat = _jm_rake_cat.cat || $sep || d.value, raw = _jm_rake_cat.raw || $sep || d.raw
FROM _jm_rake_dimval d
WHERE d.respondent_key = _jm_rake_cat.respondent_key AND d.m = $m AND d.pos = $pos AND _jm_rake_cat.m = $m;
