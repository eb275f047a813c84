-- The jurisdiction registry with each jurisdiction's district and city (for labels and filters).
SELECT j.code, j.name_zh, j.name_en, j.parent_code, j.level, j.population,
       (SELECT ancestor_code FROM jurisdiction_ancestors a WHERE a.code = j.code AND a.ancestor_level = 'district')
           AS district_code,
       (SELECT ancestor_code FROM jurisdiction_ancestors a WHERE a.code = j.code AND a.ancestor_level = 'city')
           AS city_code
FROM jurisdictions j
-- Codes in natural order (S2 before S10, 2 before 10): digit runs compare as numbers.
ORDER BY CASE j.level WHEN 'city' THEN 0 WHEN 'district' THEN 1 WHEN 'station' THEN 2 ELSE 3 END,
         list_transform(regexp_extract_all(j.code, '\d+|\D+'), lambda part: CASE WHEN regexp_full_match(part, '\d+')
             THEN lpad(ltrim(part, '0'), 30, '0') ELSE lower(part) END), j.code;
