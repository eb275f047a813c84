-- requires: drivers/respondent_filter
-- Performance of each driver item per group: the top-2-box share among substantive answers (the two
-- highest numeric codes of the item's scale, e.g. 4 and 5 on a five-point scale). Each item has its
-- own base (no listwise deletion here); don't-know / refused answers are excluded. Groups and
-- filters as in drivers/moments.sql.
WITH resp AS (
    SELECT * FROM jm_driver_respondents($group_level, $date_from, $date_to, $jurisdictions)
),
scales AS (
    SELECT item, list_max(list_transform(json_keys(codes), lambda c: TRY_CAST(c AS DOUBLE))) AS top_code
    FROM items
    WHERE list_contains($items, item)
)
SELECT r.grp, a.item,
       count(*) AS n,
       count(*) FILTER (WHERE TRY_CAST(a.code AS DOUBLE) >= s.top_code - 1) AS top2
FROM answers a
JOIN jm_driver_codes($items) c ON c.item = a.item AND c.code = a.code
JOIN scales s ON s.item = a.item
JOIN resp r ON r.respondent_key = a.respondent_key
GROUP BY ALL
ORDER BY r.grp, a.item;
