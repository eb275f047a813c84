-- Jingmin schema, version 18: a fourth registry level, community (社区/村, 警务区, 警务室), below the station.
-- Agencies sample residents by village or community under each station, so survey and case rows may be coded to
-- one; every figure at station, district and city level includes them through jurisdiction_ancestors.
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with the wider one and every row copied
-- unchanged (codes, names, parents, levels, populations, batches), all in the migration's one transaction.
-- Nothing holds a foreign key to jurisdictions; the views that read it (jurisdiction_ancestors) bind by name and
-- are recreated unchanged on the new table.

CREATE TABLE jurisdictions_v18 (
    code        VARCHAR PRIMARY KEY,
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    parent_code VARCHAR,
    level       VARCHAR NOT NULL CHECK (level IN ('city', 'district', 'station', 'community')),
    population  BIGINT,
    batch_id    BIGINT
);

INSERT INTO jurisdictions_v18 (code, name_zh, name_en, parent_code, level, population, batch_id)
SELECT code, name_zh, name_en, parent_code, level, population, batch_id
FROM jurisdictions;

DROP TABLE jurisdictions;
ALTER TABLE jurisdictions_v18 RENAME TO jurisdictions;

-- Four levels are at most three steps up; the depth bound stays as it was (a cycle cannot loop forever).
CREATE OR REPLACE VIEW jurisdiction_ancestors AS
WITH RECURSIVE up(code, ancestor_code, depth) AS (
    SELECT code, code, 0 FROM jurisdictions
    UNION ALL
    SELECT up.code, j.parent_code, up.depth + 1
    FROM up JOIN jurisdictions j ON j.code = up.ancestor_code
    WHERE j.parent_code IS NOT NULL AND up.depth < 10
)
SELECT up.code, up.ancestor_code, a.level AS ancestor_level, up.depth
FROM up JOIN jurisdictions a ON a.code = up.ancestor_code;
