-- Add one to the data version counter (created at 1 when missing).
INSERT INTO meta (key, value) VALUES ('data_version', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR);
