-- Jurisdiction-registry checks of an upload, on the registry as it would be after the upsert:
-- codes unique in the file, parents known, levels nested (city > district > station > community: a community's
-- parent is a station, and nothing is under a community), at least one root
-- city (a registry may hold several cities or agencies, each a root), and no code moved from one root
-- city to another (a second city's district '1' must not silently take over the first city's '1').
INSERT INTO ingest_problems
SELECT _row, jm_h('code'), code, 'duplicate_id', 'duplicate_code',
       json_object('id', code, 'first_row', first_row)
FROM (
    SELECT _row, code, min(_row) OVER (PARTITION BY code) AS first_row
    FROM ingest_typed WHERE code IS NOT NULL
)
WHERE _row > first_row;

CREATE OR REPLACE TEMP TABLE ingest_jur_merged AS
SELECT code, parent_code, level, CAST(NULL AS BIGINT) AS _row
FROM jurisdictions
WHERE code NOT IN (SELECT code FROM ingest_typed WHERE code IS NOT NULL)
UNION ALL
SELECT code, parent_code, level, _row
FROM ingest_typed
WHERE code IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY code ORDER BY _row) = 1;

INSERT INTO ingest_problems
SELECT t._row, jm_h('parent_code'), t.parent_code, 'unknown_parent', 'unknown_parent',
       json_object('parent', t.parent_code)
FROM ingest_typed t
WHERE t.parent_code IS NOT NULL AND t.parent_code NOT IN (SELECT code FROM ingest_jur_merged);

INSERT INTO ingest_problems
SELECT coalesce(c._row, p._row), jm_h('level'), c.level, 'bad_hierarchy',
       CASE WHEN c.level = 'city' THEN 'city_with_parent'
            WHEN c.parent_code IS NULL THEN 'needs_parent'
            ELSE 'bad_parent_level' END,
       -- levels as catalog labels ({"t": "level.station"}: 派出所 / Station), never the stored code
       json_object('level', json_object('t', 'level.' || c.level), 'code', c.code, 'parent', c.parent_code,
                   'parent_level', CASE WHEN p.level IS NOT NULL THEN json_object('t', 'level.' || p.level) END)
FROM ingest_jur_merged c LEFT JOIN ingest_jur_merged p ON p.code = c.parent_code
WHERE (c._row IS NOT NULL OR p._row IS NOT NULL) AND c.level IS NOT NULL AND (
    (c.level = 'city' AND c.parent_code IS NOT NULL)
    OR (c.level <> 'city' AND c.parent_code IS NULL)
    OR (c.level = 'district' AND p.level IS NOT NULL AND p.level <> 'city')
    OR (c.level = 'station' AND p.level IN ('station', 'community'))
    OR (c.level = 'community' AND p.level IS NOT NULL AND p.level <> 'station'));

INSERT INTO ingest_problems
SELECT NULL, NULL, NULL, 'root_count', 'no_root', json_object('n', 0)
FROM ingest_jur_merged
WHERE parent_code IS NULL
HAVING count(*) = 0;

INSERT INTO ingest_problems
WITH RECURSIVE up(code, anc, depth) AS (
    SELECT code, code, 0 FROM ingest_jur_merged
    UNION ALL
    SELECT up.code, m.parent_code, up.depth + 1
    FROM up JOIN ingest_jur_merged m ON m.code = up.anc
    WHERE m.parent_code IS NOT NULL AND up.depth < 10
),
new_root AS (SELECT code, arg_max(anc, depth) AS root FROM up GROUP BY code),
old_root AS (SELECT code, arg_max(ancestor_code, depth) AS root FROM jurisdiction_ancestors GROUP BY code)
SELECT t._row, jm_h('code'), t.code, 'code_in_other_root', 'code_in_other_root',
       json_object('code', t.code, 'name', j.name_zh || ' / ' || j.name_en, 'old_root', o.root, 'new_root', n.root)
FROM ingest_typed t
JOIN jurisdictions j ON j.code = t.code
JOIN old_root o ON o.code = t.code
JOIN new_root n ON n.code = t.code
WHERE o.root <> n.root;
