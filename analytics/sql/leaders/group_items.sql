-- Grouping fields loaded: open or categorical survey items (sex, age band, ...) that respondents answered,
-- with how many answered each.
SELECT i.item, i.label_zh, i.label_en, count(*) AS answered
FROM items i
JOIN answers a ON a.item = i.item
WHERE i.scale IN ('open', 'categorical')
GROUP BY i.item, i.label_zh, i.label_en
ORDER BY CASE i.item WHEN 'age_band' THEN 0 WHEN 'sex' THEN 1 ELSE 2 END, i.item;
