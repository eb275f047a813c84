-- Two table macros shared by the key-driver queries. The respondents a key-driver analysis uses, each with its
-- group: the one filter that
-- drivers/moments, drivers/sample and drivers/performance select from (each names this file in its "requires" line).
-- group_level: NULL (one group 'all') or a jurisdiction level; respondents are grouped by their ancestor at
-- that level, and one without an ancestor there is left out. date_from / date_to (inclusive, NULL = open) bound
-- interview_date; jurisdictions: NULL (all) or a list of codes, keeping respondents under any of them.
CREATE OR REPLACE TEMP MACRO jm_driver_respondents(p_group_level, p_date_from, p_date_to, p_jurisdictions) AS TABLE
    SELECT r.respondent_key,
           CASE WHEN p_group_level IS NULL THEN 'all' ELSE g.ancestor_code END AS grp
    FROM respondents r
    LEFT JOIN jurisdiction_ancestors g ON g.code = r.jurisdiction_code AND g.ancestor_level = p_group_level
    WHERE (p_date_from IS NULL OR r.interview_date >= p_date_from)
      AND (p_date_to IS NULL OR r.interview_date <= p_date_to)
      AND (p_jurisdictions IS NULL OR EXISTS (
              SELECT 1 FROM jurisdiction_ancestors f
              WHERE f.code = r.jurisdiction_code AND list_contains(p_jurisdictions, f.ancestor_code)))
      AND (p_group_level IS NULL OR g.ancestor_code IS NOT NULL);

-- The valid numeric answers of the items in p_variables (the variable list of drivers/moments and drivers/sample):
-- an answer counts when its code is one of the item's substantive codes (items.codes) and numeric, so
-- don't-know / refused codes and missing answers are absent (the callers then keep complete respondents only).
CREATE OR REPLACE TEMP MACRO jm_driver_values(p_variables) AS TABLE
    SELECT a.respondent_key, a.item, TRY_CAST(a.code AS DOUBLE) AS v
    FROM answers a
    JOIN items i ON i.item = a.item
    WHERE list_contains(p_variables, a.item)
      AND list_contains(json_keys(i.codes), a.code)
      AND TRY_CAST(a.code AS DOUBLE) IS NOT NULL;
