-- Performance of each driver item per group: the top-2-box share among substantive answers (the two
-- highest numeric codes of the item's scale, e.g. 4 and 5 on a five-point scale). Each item has its
-- own base (no listwise deletion here); don't-know / refused answers are excluded. Groups and
-- filters as in drivers_moments.sql.
WITH resp AS (
    SELECT r.respondent_key,
           CASE WHEN $group_level IS NULL THEN 'all' ELSE g.ancestor_code END AS grp
    FROM respondents r
    LEFT JOIN jurisdiction_ancestors g ON g.code = r.jurisdiction_code AND g.ancestor_level = $group_level
    WHERE ($date_from IS NULL OR r.interview_date >= $date_from)
      AND ($date_to IS NULL OR r.interview_date <= $date_to)
      AND ($jurisdictions IS NULL OR EXISTS (
              SELECT 1 FROM jurisdiction_ancestors f
              WHERE f.code = r.jurisdiction_code AND list_contains($jurisdictions, f.ancestor_code)))
      AND ($group_level IS NULL OR g.ancestor_code IS NOT NULL)
),
scales AS (
    SELECT item, codes,
           list_max(list_transform(json_keys(codes), lambda c: TRY_CAST(c AS DOUBLE))) AS top_code
    FROM items
    WHERE list_contains($items, item)
)
SELECT r.grp, a.item,
       count(*) AS n,
       count(*) FILTER (WHERE TRY_CAST(a.code AS DOUBLE) >= s.top_code - 1) AS top2
FROM answers a
JOIN scales s ON s.item = a.item
JOIN resp r ON r.respondent_key = a.respondent_key
WHERE list_contains(json_keys(s.codes), a.code)
  AND TRY_CAST(a.code AS DOUBLE) IS NOT NULL
GROUP BY ALL
ORDER BY r.grp, a.item;
