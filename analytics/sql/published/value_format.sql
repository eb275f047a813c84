-- Whether any published value carries a % sign, and the largest value read as a number (decimal comma allowed),
-- ignoring the not-available texts in $na (upper case): 'auto' reads the file as percentages or proportions.
SELECT bool_or(trim(value_text) LIKE '%\%' ESCAPE '\') AS has_percent_sign,
       max(try_cast(replace(rtrim(trim(value_text), '%'), ',', '.') AS DOUBLE)) AS largest
FROM pub_cells WHERE value_text IS NOT NULL AND NOT list_contains($na, upper(trim(value_text)));
