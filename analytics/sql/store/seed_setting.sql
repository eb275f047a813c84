-- One default setting ($name, $value as JSON text), unless the database has it; and the data version counter.
INSERT INTO settings (name, value) VALUES ($name, $value) ON CONFLICT (name) DO NOTHING;
INSERT INTO meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING;
