-- Whether a code is in the registry.
SELECT 1 FROM jurisdictions WHERE code = $code;
