-- The jurisdictions a station user scoped to $jurisdiction_code may see: its subtree and the levels above it.
SELECT code FROM jurisdiction_ancestors WHERE ancestor_code = $jurisdiction_code
UNION SELECT ancestor_code FROM jurisdiction_ancestors WHERE code = $jurisdiction_code;
