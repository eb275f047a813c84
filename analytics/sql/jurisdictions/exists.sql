-- Whether jurisdiction $code is in the registry.
SELECT count(*) > 0 AS found FROM jurisdictions WHERE code = $code;
