-- The areas the file names that are not yet known under $root.
SELECT DISTINCT jurisdiction FROM pub_dups
WHERE jurisdiction <> '' AND jurisdiction NOT IN (SELECT code FROM external_jurisdictions WHERE root = $root)
ORDER BY 1;
