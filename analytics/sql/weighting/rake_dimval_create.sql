-- Each respondent's value on every margin dimension ($m: margin, pos: the dimension's place in it), folded for
-- matching (value) and as first spelled (raw, for messages).
CREATE TEMP TABLE _jm_rake_dimval (respondent_key BIGINT, m INTEGER, pos INTEGER, value VARCHAR, raw VARCHAR);
