-- Insert or replace one item ($codes, $dk_codes: JSON text).
INSERT OR REPLACE INTO items (item, label_zh, label_en, scale, codes, dk_codes)
VALUES ($item, $label_zh, $label_en, $scale, $codes, $dk_codes);
