-- Table macros shared by the key-driver queries (drivers/moments and drivers/performance name this file in their
-- "requires" line). First the respondents a key-driver analysis uses, each with its group: the one filter both
-- select from.
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

-- The valid answer codes of the items in p_items: an item's substantive codes (the keys of items.codes) that are
-- numeric, with the item's position in p_items (1-based; drivers/moments puts each variable in that slot). One row
-- per item and code, so answers are checked by an equality join instead of parsing items.codes once per answer
-- (at a million respondents the per-answer json_keys was seconds).
CREATE OR REPLACE TEMP MACRO jm_driver_codes(p_items) AS TABLE
    SELECT DISTINCT item, code, list_position(p_items, item) AS pos
    FROM (SELECT item, unnest(json_keys(codes)) AS code FROM items WHERE list_contains(p_items, item))
    WHERE TRY_CAST(code AS DOUBLE) IS NOT NULL;

-- The valid numeric answers of the items in p_variables (the variable list of drivers/moments), with the item's
-- position in p_variables: an answer counts when its code is one of the item's substantive codes and numeric, so
-- don't-know / refused codes and missing answers are absent (the caller then keeps complete respondents only).
CREATE OR REPLACE TEMP MACRO jm_driver_values(p_variables) AS TABLE
    SELECT a.respondent_key, a.item, c.pos, TRY_CAST(a.code AS DOUBLE) AS v
    FROM answers a
    JOIN jm_driver_codes(p_variables) c ON c.item = a.item AND c.code = a.code;
