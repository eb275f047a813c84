-- A saved mapping's spec (JSON text) by name; no row when there is none.
SELECT spec FROM mappings WHERE name = $name;
