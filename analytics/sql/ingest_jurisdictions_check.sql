-- Jurisdiction-registry checks of an upload, on the registry as it would be after the upsert:
-- codes unique in the file, parents known, levels nested (city > district > station), one root.
INSERT INTO ingest_problems
SELECT _row, jm_h('code'), code, 'duplicate_id',
       format('code ''{}'' appears more than once in the file (first at row {})', code, first_row)
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
SELECT t._row, jm_h('parent_code'), t.parent_code, 'unknown_parent',
       format('parent ''{}'' is neither in the file nor in the registry', t.parent_code)
FROM ingest_typed t
WHERE t.parent_code IS NOT NULL AND t.parent_code NOT IN (SELECT code FROM ingest_jur_merged);

INSERT INTO ingest_problems
SELECT coalesce(c._row, p._row), jm_h('level'), c.level, 'bad_hierarchy',
       CASE WHEN c.level = 'city' THEN format('city ''{}'' must not have a parent (has ''{}'')', c.code, c.parent_code)
            WHEN c.parent_code IS NULL THEN format('{} ''{}'' needs a parent', c.level, c.code)
            ELSE format('{} ''{}'' cannot be under {} ''{}''', c.level, c.code, p.level, p.code) END
FROM ingest_jur_merged c LEFT JOIN ingest_jur_merged p ON p.code = c.parent_code
WHERE (c._row IS NOT NULL OR p._row IS NOT NULL) AND c.level IS NOT NULL AND (
    (c.level = 'city' AND c.parent_code IS NOT NULL)
    OR (c.level <> 'city' AND c.parent_code IS NULL)
    OR (c.level = 'district' AND p.level IS NOT NULL AND p.level <> 'city')
    OR (c.level = 'station' AND p.level = 'station'));

INSERT INTO ingest_problems
SELECT NULL, NULL, NULL, 'root_count',
       CASE WHEN count(*) = 0 THEN 'The registry would have no city at its root; add one row with level city and no parent'
            ELSE format('The registry would have {} roots ({}); it must have exactly one city at its root', count(*),
                        string_agg(code, ', ' ORDER BY code)) END
FROM ingest_jur_merged
WHERE parent_code IS NULL
HAVING count(*) <> 1;
