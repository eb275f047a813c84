-- Survey modes behind each indicator, per month: the distinct survey modes (the respondent's own mode, else
-- its batch's; NULL -> 'unknown') of the respondents of loaded batches who answered the indicator's item
-- (don't-know answers included: the mode is how people were asked), with the respondents per mode in the
-- same order, so that a change of the mode mix is visible as well as a change of the set. With $level set,
-- one row per jurisdiction at that level (ancestor of the respondent's jurisdiction); with $level NULL, one
-- row for all the respondents together. $indicators / $jurisdictions: NULL = all.
WITH resp AS (
    SELECT r.respondent_key,
           CAST(date_trunc('month', r.interview_date) AS DATE) AS month,
           COALESCE(r.survey_mode, b.survey_mode, 'unknown') AS mode,
           up.ancestor_code AS jurisdiction
    FROM respondents r
    JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    LEFT JOIN jurisdiction_ancestors up ON up.code = r.jurisdiction_code AND up.ancestor_level = $level
    WHERE ($level IS NULL OR up.ancestor_code IS NOT NULL)
      AND ($jurisdictions IS NULL OR EXISTS (
            SELECT 1 FROM jurisdiction_ancestors x
            WHERE x.code = r.jurisdiction_code AND list_contains($jurisdictions, x.ancestor_code)))
),
per_mode AS (
    SELECT i.key AS indicator, resp.jurisdiction, resp.month, resp.mode,
           count(DISTINCT resp.respondent_key) AS respondents
    FROM resp
    JOIN answers a ON a.respondent_key = resp.respondent_key
    JOIN indicators i ON i.item = a.item AND i.enabled
    WHERE ($indicators IS NULL OR list_contains($indicators, i.key))
    GROUP BY ALL
)
SELECT indicator, jurisdiction, month,
       list(mode ORDER BY mode) AS modes,
       list(respondents ORDER BY mode) AS mode_respondents,
       sum(respondents) AS respondents
FROM per_mode
GROUP BY ALL
ORDER BY indicator, jurisdiction NULLS FIRST, month;
