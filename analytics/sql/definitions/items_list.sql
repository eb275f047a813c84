-- Every item definition, by name ($codes, $dk_codes as JSON text).
SELECT item, label_zh, label_en, scale, codes, dk_codes FROM items ORDER BY item;
