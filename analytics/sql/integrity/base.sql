-- requires: jurisdictions/row_place
-- jm_integrity_resp(date_from, date_to, level): one row per respondent interviewed from date_from to date_to
-- (loaded batches only), with what the integrity checks read:
--   unit          the respondent's jurisdiction at `level` (its station, district or the city)
--   station, community, community_name_zh, community_name_en   where it was coded (jm_row_place)
--   interviewer, channel   the open grouping items of that name, when the file gave them
--   n_items       ordinal items (4-, 5-, 7-point, 3-level, 0–10 ...) answered with a substantive code
--   n_top         of those, answered with the item's top code
--   straight      n_items >= 4 and every one of them at the top code (straight-lining)
--   sat_top       the `satisfaction` item answered at its top code (NULL: not answered)
--   sat_score     the `satisfaction` indicator's score of the answer (NULL: not answered or DK)
--   n_answered    substantive answers of any non-open item (what an interview of plausible length asks)
--   duration_min  the interview's length in minutes (NULL when unknown or not positive)
CREATE OR REPLACE TEMP MACRO jm_integrity_resp(date_from, date_to, level) AS TABLE
WITH ordinal AS (
    SELECT item, CAST(list_max(list_transform(json_keys(codes), lambda k: TRY_CAST(k AS INTEGER))) AS VARCHAR) AS top_code,
           json_keys(codes) AS codes
    FROM items
    WHERE scale IN ('likert4', 'likert5', 'likert7', 'three_level', 'scale0_10', 'scale1_10', 'scale0_100')
),
sat AS (
    SELECT e.key AS code, e.value AS score
    FROM (SELECT unnest(map_entries(CAST(scoring AS MAP(VARCHAR, DOUBLE)))) AS e
          FROM indicators WHERE key = 'satisfaction' AND item = 'satisfaction')
),
resp AS (
    SELECT r.respondent_key, r.respondent_id, r.batch_id, pl.station, pl.community, pl.community_name_zh,
           pl.community_name_en, r.interview_date, r.interview_start, r.person_hash,
           CASE WHEN r.duration_min > 0 THEN r.duration_min END AS duration_min,
           a.ancestor_code AS unit
    FROM respondents r
    JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    JOIN jurisdiction_ancestors a ON a.code = r.jurisdiction_code AND a.ancestor_level = level
    JOIN jm_row_place() pl ON pl.code = r.jurisdiction_code
    WHERE r.interview_date BETWEEN CAST(date_from AS DATE) AND CAST(date_to AS DATE)
),
per AS (
    SELECT a.respondent_key,
           any_value(a.code) FILTER (WHERE a.item = 'interviewer') AS interviewer,
           any_value(a.code) FILTER (WHERE a.item = 'channel') AS channel,
           count(*) FILTER (WHERE list_contains(o.codes, a.code)) AS n_items,
           count(*) FILTER (WHERE a.code = o.top_code) AS n_top,
           bool_or(a.code = o.top_code) FILTER (WHERE a.item = 'satisfaction' AND list_contains(o.codes, a.code))
               AS sat_top,
           any_value(s.score) FILTER (WHERE a.item = 'satisfaction') AS sat_score,
           count(*) FILTER (WHERE i.scale <> 'open' AND NOT list_contains(CAST(i.dk_codes AS VARCHAR[]), a.code))
               AS n_answered
    FROM answers a
    JOIN resp r ON r.respondent_key = a.respondent_key
    LEFT JOIN items i ON i.item = a.item
    LEFT JOIN ordinal o ON o.item = a.item
    LEFT JOIN sat s ON a.item = 'satisfaction' AND s.code = a.code
    GROUP BY a.respondent_key
)
SELECT r.*, p.interviewer, p.channel, coalesce(p.n_items, 0) AS n_items, coalesce(p.n_top, 0) AS n_top,
       coalesce(p.n_items >= 4 AND p.n_top = p.n_items, FALSE) AS straight, p.sat_top, p.sat_score,
       coalesce(p.n_answered, 0) AS n_answered
FROM resp r LEFT JOIN per p USING (respondent_key);
