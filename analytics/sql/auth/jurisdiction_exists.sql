-- A row when a jurisdiction with code $code exists (a station user's scope must name one).
SELECT 1 AS found FROM jurisdictions WHERE code = $code;
