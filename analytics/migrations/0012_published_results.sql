-- Jingmin schema, version 12: published results (issue 17), a third kind of data beside respondents and cases.
-- * external_jurisdictions: the areas of other agencies, each under its own root (the publishing agency or survey,
--   e.g. 'London (MPS)'). A row is identified by (root, code), so an external area never collides with a local
--   jurisdiction code, nor with an area of the same name under another root. The root itself is the row with
--   code '' (the whole area the root covers, e.g. a citywide figure).
-- * published_loads: one row per loaded file (ids from the batch sequence, so a load id is never a batch id).
-- * published_results: one row per root x jurisdiction x period x measure x group, with the value as published
--   (value_text) and parsed (value: a proportion 0-1, or a mean score on [scale_min, scale_max]), and whatever the
--   source gave about its uncertainty. value IS NULL means the source did not publish the figure (suppressed at
--   source); it is shown as "not published", never invented.
CREATE TABLE IF NOT EXISTS external_jurisdictions (
    root        VARCHAR NOT NULL,
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    parent_code VARCHAR,              -- NULL for the root row, '' (the root) for its areas
    load_id     BIGINT,
    PRIMARY KEY (root, code)
);

CREATE TABLE IF NOT EXISTS published_loads (
    load_id     BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
    source_name VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    row_count   BIGINT NOT NULL,
    loaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    loaded_by   VARCHAR NOT NULL,
    status      VARCHAR NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'removed')),
    summary     JSON
);

CREATE TABLE IF NOT EXISTS published_results (
    load_id       BIGINT NOT NULL,
    source_row    BIGINT NOT NULL,       -- row of the file the figure came from (the first, for collapsed duplicates)
    root          VARCHAR NOT NULL,
    jurisdiction  VARCHAR NOT NULL,      -- code within root; '' = the root's whole area
    period        VARCHAR NOT NULL,      -- Jingmin period label of the window: 2023-09, 2023Q3, 2023-09R12, 2023
    period_kind   VARCHAR NOT NULL CHECK (period_kind IN ('month', 'quarter', 'rolling12', 'year')),
    period_end    DATE NOT NULL,
    period_text   VARCHAR NOT NULL,      -- the period as the file wrote it
    measure       VARCHAR NOT NULL,      -- the measure's name as published (a column header or a measure cell)
    measure_label VARCHAR NOT NULL,      -- its wording
    indicator     VARCHAR,               -- the Jingmin indicator it means the same as (confirmed), else NULL
    grp           VARCHAR NOT NULL DEFAULT '',  -- demographic group ('' = everyone)
    value_text    VARCHAR,               -- as published
    value         DOUBLE,                -- proportion 0-1 (value_kind 'proportion') or mean score; NULL = not published
    value_kind    VARCHAR NOT NULL CHECK (value_kind IN ('proportion', 'mean')),
    scale_min     DOUBLE,
    scale_max     DOUBLE,
    digits        INTEGER NOT NULL,      -- decimals the source gave, in the unit shown (percent for a proportion)
    n             BIGINT,                -- base as published
    se            DOUBLE,                -- standard error, same unit as value
    lower         DOUBLE,                -- interval bounds as published, same unit as value
    upper         DOUBLE,
    source        VARCHAR NOT NULL,
    note          VARCHAR,
    PRIMARY KEY (load_id, root, jurisdiction, period, measure, grp)
);
