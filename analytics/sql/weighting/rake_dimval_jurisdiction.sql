-- A jurisdiction dimension ($dim: 'district' or 'station'): the respondent's ancestor at that level.
INSERT INTO _jm_rake_dimval
SELECT w.respondent_key, $m, $pos, lower(a.ancestor_code), a.ancestor_code
FROM _jm_rake_w w
JOIN jurisdiction_ancestors a ON a.code = w.jurisdiction_code AND a.ancestor_level = $dim;
