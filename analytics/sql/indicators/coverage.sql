-- Respondents and cases per jurisdiction (as recorded), with the survey date range.
WITH s AS (
    SELECT jurisdiction_code AS code, count(*) AS respondents,
           min(interview_date) AS first_date, max(interview_date) AS last_date
    FROM respondents GROUP BY ALL
), c AS (
    SELECT jurisdiction_code AS code, count(*) AS cases FROM cases GROUP BY ALL
)
SELECT j.code, j.name_zh, j.name_en, j.level,
       COALESCE(s.respondents, 0) AS respondents, s.first_date, s.last_date, COALESCE(c.cases, 0) AS cases
FROM jurisdictions j
LEFT JOIN s ON s.code = j.code
LEFT JOIN c ON c.code = j.code
WHERE s.code IS NOT NULL OR c.code IS NOT NULL
-- Codes in natural order (S2 before S10, 2 before 10): digit runs compare as numbers.
ORDER BY list_transform(regexp_extract_all(j.code, '\d+|\D+'), lambda part: CASE WHEN regexp_full_match(part, '\d+')
             THEN lpad(ltrim(part, '0'), 30, '0') ELSE lower(part) END), j.code;
