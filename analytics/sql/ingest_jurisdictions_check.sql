-- Jurisdiction-registry checks of an upload, on the registry as it would be after the upsert:
-- codes unique in the file, parents known, levels nested (city > district > station), one root.
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
       json_object('level', c.level, 'code', c.code, 'parent', c.parent_code, 'parent_level', p.level)
FROM ingest_jur_merged c LEFT JOIN ingest_jur_merged p ON p.code = c.parent_code
WHERE (c._row IS NOT NULL OR p._row IS NOT NULL) AND c.level IS NOT NULL AND (
    (c.level = 'city' AND c.parent_code IS NOT NULL)
    OR (c.level <> 'city' AND c.parent_code IS NULL)
    OR (c.level = 'district' AND p.level IS NOT NULL AND p.level <> 'city')
    OR (c.level = 'station' AND p.level = 'station'));

INSERT INTO ingest_problems
SELECT NULL, NULL, NULL, 'root_count',
       CASE WHEN count(*) = 0 THEN 'no_root' ELSE 'several_roots' END,
       json_object('n', count(*), 'codes', coalesce(string_agg(code, ', ' ORDER BY code), ''))
FROM ingest_jur_merged
WHERE parent_code IS NULL
HAVING count(*) <> 1;
