-- An item dimension ($dim: the item): the respondent's answer code, case-folded with spaces collapsed.
INSERT INTO _jm_rake_dimval
SELECT a.respondent_key, $m, $pos, lower(trim(regexp_replace(a.code, '\s+', ' ', 'g'))), trim(a.code)
FROM answers a
JOIN _jm_rake_w w ON w.respondent_key = a.respondent_key
WHERE a.item = $dim;
