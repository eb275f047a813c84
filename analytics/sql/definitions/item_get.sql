-- One item definition (no row when there is no such item).
SELECT item, label_zh, label_en, scale, codes, dk_codes FROM items WHERE item = $item;
