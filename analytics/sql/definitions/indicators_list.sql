-- Indicator definitions in display order; all of them unless $enabled_only. Rows written before kinds and scales
-- existed read as rates on [0, 1] without a unit.
SELECT key, label_zh, label_en, description_zh, description_en, item, scoring, dk_codes, sort_order, enabled,
       COALESCE(kind, 'rate'), COALESCE(scale_min, 0), COALESCE(scale_max, 1), COALESCE(unit, '')
FROM indicators WHERE enabled OR NOT $enabled_only ORDER BY sort_order, key;
