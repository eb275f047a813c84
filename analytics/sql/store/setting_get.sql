-- One setting's stored value (JSON text), or no row when the database keeps the declared default.
SELECT value FROM settings WHERE name = $name;
