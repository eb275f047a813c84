-- The root jurisdictions (cities) of the registry.
SELECT code FROM jurisdictions WHERE parent_code IS NULL ORDER BY code;
