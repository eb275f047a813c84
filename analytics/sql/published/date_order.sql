-- Among periods written as dates (05/03/2023, 5.3.2023): whether a first part exceeds 12 (day first), whether a
-- second part does (month first), and whether there is any such date at all.
SELECT bool_or(CAST(parts[1] AS INTEGER) > 12) AS first_big, bool_or(CAST(parts[2] AS INTEGER) > 12) AS second_big,
       count(*) > 0 AS any_dates
FROM (SELECT regexp_extract_all(trim(period_text), '[0-9]+') AS parts FROM pub_cells
      WHERE regexp_full_match(trim(period_text), '[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4}( .*)?'));
