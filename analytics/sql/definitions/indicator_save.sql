-- Insert or replace one indicator ($scoring, $dk_codes: JSON text; a rate's scale is [0, 1]).
INSERT OR REPLACE INTO indicators (key, label_zh, label_en, description_zh, description_en, item, scoring, dk_codes,
                                   sort_order, enabled, kind, scale_min, scale_max, unit)
VALUES ($key, $label_zh, $label_en, $description_zh, $description_en, $item, $scoring, $dk_codes, $sort_order,
        $enabled, $kind, $scale_min, $scale_max, $unit);
