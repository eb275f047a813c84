-- Jurisdictions in the registry (before and after a removal: how many went).
SELECT count(*) AS n FROM jurisdictions;
