-- The internal measures in display order.
SELECT key, label_zh, label_en, kind, scale_min, scale_max, unit, sort_order
FROM internal_measures
ORDER BY sort_order, key;
