-- Jingmin schema, version 11: assessment (考核, issue 16).
-- * batches.kind gains 'internal' (internal-evaluation files). DuckDB cannot drop a CHECK constraint, so the
--   table is rebuilt with the same columns, rows and sequence default.
-- * internal_measures: what an internal evaluation measures (defined like indicators: a rate from counts, or a
--   mean score with the number tested); internal_values: one row per jurisdiction x period x measure (x officer).
-- * assessment_targets: a target value and direction per indicator, internal measure or case metric, for every
--   jurisdiction, a level or one jurisdiction, from an effective period on.
-- * assessment_schemes / assessment_components: named composite scores (weights, normalisation, missing rule).
CREATE TABLE batches_v11 (
    batch_id     BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
    kind         VARCHAR NOT NULL CHECK (kind IN ('jurisdictions', 'survey', 'cases', 'margins', 'internal')),
    source_name  VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    loaded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status       VARCHAR NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'removed')),
    removed_at   TIMESTAMP,
    survey_mode  VARCHAR,
    mapping_name VARCHAR,
    summary      JSON
);
INSERT INTO batches_v11 (batch_id, kind, source_name, sha256, row_count, loaded_at, status, removed_at, survey_mode,
                         mapping_name, summary)
SELECT batch_id, kind, source_name, sha256, row_count, loaded_at, status, removed_at, survey_mode, mapping_name, summary
FROM batches;
DROP TABLE batches;
ALTER TABLE batches_v11 RENAME TO batches;

CREATE TABLE IF NOT EXISTS internal_measures (
    key        VARCHAR PRIMARY KEY,
    label_zh   VARCHAR NOT NULL,
    label_en   VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL CHECK (kind IN ('rate', 'mean')),
    scale_min  DOUBLE NOT NULL DEFAULT 0,   -- a rate: 0..1; a mean: the score's range (e.g. 0..100)
    scale_max  DOUBLE NOT NULL DEFAULT 1,
    unit       VARCHAR NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 100
);

CREATE TABLE IF NOT EXISTS internal_values (
    batch_id          BIGINT NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    officer_id        VARCHAR,             -- as given, or a keyed hash when the mapping asked for it; NULL = unit
    period            VARCHAR NOT NULL,    -- the label the file gave: 2026-03, 2026Q1 or 2026
    period_start      DATE NOT NULL,
    period_end        DATE NOT NULL,
    measure           VARCHAR NOT NULL,
    numerator         DOUBLE,              -- rate: e.g. clues that led to a detection
    denominator       DOUBLE,              -- rate: e.g. clues provided by residents
    score             DOUBLE,              -- mean: the mean score of those tested
    score_sd          DOUBLE,              -- mean: its standard deviation when the file gave it
    n_tested          DOUBLE               -- mean: how many were tested
);

CREATE TABLE IF NOT EXISTS assessment_targets (
    source            VARCHAR NOT NULL CHECK (source IN ('indicator', 'internal', 'case')),
    component         VARCHAR NOT NULL,
    scope             VARCHAR NOT NULL,    -- '*' every jurisdiction, 'level:station', or a jurisdiction code
    effective_from    DATE NOT NULL,
    target            DOUBLE NOT NULL,     -- on the component's own scale (a rate in 0..1)
    direction         VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by        VARCHAR NOT NULL,
    PRIMARY KEY (source, component, scope, effective_from)
);

CREATE TABLE IF NOT EXISTS assessment_schemes (
    name         VARCHAR PRIMARY KEY,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    missing_rule VARCHAR NOT NULL CHECK (missing_rule IN ('reweight', 'not_assessable', 'zero')),
    description  VARCHAR NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS assessment_components (
    scheme        VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    source        VARCHAR NOT NULL CHECK (source IN ('indicator', 'internal', 'case')),
    component     VARCHAR NOT NULL,
    weight        DOUBLE NOT NULL,
    normalisation VARCHAR NOT NULL CHECK (normalisation IN ('as_is', 'scaled')),
    floor_value   DOUBLE,                  -- 'scaled': the value that scores 0 ...
    ceiling_value DOUBLE,                  -- ... and the value that scores 1 (may be below floor: lower is better)
    PRIMARY KEY (scheme, source, component)
);

-- The internal evaluation the practice names (内部评价), and one default scheme combining it with the three
-- result indicators residents report (见警率, 知警率, 满意率). Both are ordinary rows: edit them freely.
INSERT INTO internal_measures (key, label_zh, label_en, kind, scale_min, scale_max, unit, sort_order) VALUES
    ('law_knowledge', '法律和群众工作知识测试', 'Knowledge test (law and mass work)', 'mean', 0, 100, '分', 10),
    ('two_way_familiarity', '警民双向熟悉率', 'Two-way familiarity rate', 'rate', 0, 1, '', 20),
    ('clue_detection', '群众线索破案率', 'Detection rate of residents'' clues', 'rate', 0, 1, '', 30),
    ('info_collection', '群众信息采集率', 'Information collected from residents', 'rate', 0, 1, '', 40),
    ('mass_prevention', '群防群治工作完成率', 'Mass prevention and control work done', 'rate', 0, 1, '', 50)
ON CONFLICT DO NOTHING;

INSERT INTO assessment_schemes (name, is_default, missing_rule, description, updated_by) VALUES
    ('standard', TRUE, 'reweight', '外部评价 60%（见警率、知警率、满意率）+ 内部评价 40%', 'migration')
ON CONFLICT DO NOTHING;
INSERT INTO assessment_components (scheme, position, source, component, weight, normalisation, floor_value,
                                   ceiling_value) VALUES
    ('standard', 1, 'indicator', 'visibility', 20, 'as_is', NULL, NULL),
    ('standard', 2, 'indicator', 'awareness', 15, 'as_is', NULL, NULL),
    ('standard', 3, 'indicator', 'satisfaction', 25, 'as_is', NULL, NULL),
    ('standard', 4, 'internal', 'law_knowledge', 10, 'scaled', 60, 100),
    ('standard', 5, 'internal', 'two_way_familiarity', 10, 'as_is', NULL, NULL),
    ('standard', 6, 'internal', 'clue_detection', 10, 'as_is', NULL, NULL),
    ('standard', 7, 'internal', 'info_collection', 5, 'as_is', NULL, NULL),
    ('standard', 8, 'internal', 'mass_prevention', 5, 'as_is', NULL, NULL)
ON CONFLICT DO NOTHING;
