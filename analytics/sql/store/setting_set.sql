-- Store a setting's value ($value: JSON text), replacing an earlier one.
INSERT INTO settings (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;
