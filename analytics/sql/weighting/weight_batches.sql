-- Loaded survey batches and how many of their respondents answered every item in $items (the raking
-- dimensions that are survey items); a batch can be raked only when all of them did. With $age_for set
-- (an age-band dimension), an answer to the item $age_item (age in years) stands in for it: it is banded.
WITH answered AS (
    SELECT a.respondent_key,
           count(DISTINCT CASE WHEN $age_for IS NOT NULL AND a.item = $age_item THEN $age_for ELSE a.item END)
               AS items
    FROM answers a
    WHERE list_contains($items, a.item) OR ($age_for IS NOT NULL AND a.item = $age_item)
    GROUP BY a.respondent_key
)
SELECT b.batch_id, b.source_name, b.survey_mode,
       count(r.respondent_key) AS respondents,
       count(r.respondent_key) FILTER (WHERE COALESCE(x.items, 0) = len($items)) AS complete
FROM batches b
JOIN respondents r ON r.batch_id = b.batch_id
LEFT JOIN answered x ON x.respondent_key = r.respondent_key
WHERE b.kind = 'survey' AND b.status = 'loaded'
GROUP BY b.batch_id, b.source_name, b.survey_mode
ORDER BY b.batch_id;
