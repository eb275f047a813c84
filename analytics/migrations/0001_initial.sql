-- Jingmin schema, version 1.
-- Survey answers are stored long (one row per respondent x item) so that any questionnaire
-- loads without schema changes; indicators are definitions over items, not columns.

CREATE SEQUENCE IF NOT EXISTS batch_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS respondent_key_seq START 1;
CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS jurisdictions (
    code        VARCHAR PRIMARY KEY,
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    parent_code VARCHAR,
    level       VARCHAR NOT NULL CHECK (level IN ('city', 'district', 'station')),
    population  BIGINT,
    batch_id    BIGINT
);

CREATE TABLE IF NOT EXISTS batches (
    batch_id     BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
    kind         VARCHAR NOT NULL CHECK (kind IN ('jurisdictions', 'survey', 'cases', 'margins')),
    source_name  VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    loaded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status       VARCHAR NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'removed')),
    removed_at   TIMESTAMP,
    survey_mode  VARCHAR,          -- phone / face-to-face / sms / online; a change of mode is a trend break
    mapping_name VARCHAR,
    summary      JSON              -- what the loader did: encoding, mapping, PII handling, counts
);

CREATE TABLE IF NOT EXISTS respondents (
    respondent_key    BIGINT PRIMARY KEY,
    batch_id          BIGINT NOT NULL,
    respondent_id     VARCHAR NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    interview_date    DATE NOT NULL,
    design_weight     DOUBLE,      -- the weight the file carried (NULL = none)
    weight            DOUBLE,      -- the weight in use: design weight or raked weight (NULL = 1)
    stratum           VARCHAR,
    cluster           VARCHAR,
    person_hash       VARCHAR      -- keyed hash of phone/ID number, to detect repeat respondents
);

CREATE TABLE IF NOT EXISTS answers (
    respondent_key BIGINT NOT NULL,
    batch_id       BIGINT NOT NULL,
    item           VARCHAR NOT NULL,
    code           VARCHAR NOT NULL  -- canonical answer code after value mapping, e.g. '1', '0', '5', '9'
);

-- Items: what a questionnaire asks and which codes are valid answers.
CREATE TABLE IF NOT EXISTS items (
    item        VARCHAR PRIMARY KEY,
    label_zh    VARCHAR NOT NULL,
    label_en    VARCHAR NOT NULL,
    scale       VARCHAR NOT NULL,   -- yesno / likert5 / three_level / scale0_10 / categorical
    codes       JSON NOT NULL,      -- {"code": {"zh": label, "en": label}, ...} valid substantive codes
    dk_codes    JSON NOT NULL       -- codes meaning don't know / refused
);

-- Indicators: a scoring map over one item. Editable, stored with the data.
CREATE TABLE IF NOT EXISTS indicators (
    key            VARCHAR PRIMARY KEY,
    label_zh       VARCHAR NOT NULL,
    label_en       VARCHAR NOT NULL,
    description_zh VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    item           VARCHAR NOT NULL,
    scoring        JSON NOT NULL,   -- {"code": score in [0, 1], ...}; codes absent and not DK are invalid
    dk_codes       JSON NOT NULL,   -- codes excluded from the base but counted
    sort_order     INTEGER NOT NULL DEFAULT 100,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE
);

-- Case records: every row any batch said about a case; the current state is the newest loaded row.
CREATE TABLE IF NOT EXISTS case_events (
    batch_id             BIGINT NOT NULL,
    case_id              VARCHAR NOT NULL,
    jurisdiction_code    VARCHAR NOT NULL,
    category             VARCHAR,
    is_small             BOOLEAN,
    reported_at          TIMESTAMP,
    first_response_at    TIMESTAMP,
    closed_at            TIMESTAMP,
    status               VARCHAR,
    outcome              VARCHAR,
    mediation_agreed     BOOLEAN,
    callback_at          TIMESTAMP,
    callback_result      VARCHAR,
    rectification_status VARCHAR,
    rectified_at         TIMESTAMP,
    reporter_hash        VARCHAR
);

CREATE TABLE IF NOT EXISTS settings (
    name  VARCHAR PRIMARY KEY,
    value JSON NOT NULL
);

CREATE TABLE IF NOT EXISTS mappings (
    name       VARCHAR PRIMARY KEY,
    kind       VARCHAR NOT NULL,
    spec       JSON NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor    VARCHAR NOT NULL,
    action   VARCHAR NOT NULL,
    detail   JSON
);

-- Sufficient statistics per indicator x respondent's jurisdiction x month x stratum, rebuilt after
-- every data change.
-- Every estimate at every level and period is a GROUP BY over this table (sums are additive;
-- see analytics.engine for the variance algebra).
CREATE TABLE IF NOT EXISTS indicator_cells (
    indicator         VARCHAR NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    month             DATE NOT NULL,
    stratum           VARCHAR NOT NULL,
    n                 BIGINT NOT NULL,   -- respondents with a substantive answer (the base)
    n_dk              BIGINT NOT NULL,   -- don't know / refused, excluded from the base
    n_psu             BIGINT NOT NULL,
    sum_y             DOUBLE NOT NULL,
    sum_y2            DOUBLE NOT NULL,
    sum_w             DOUBLE NOT NULL,
    sum_w2            DOUBLE NOT NULL,
    sum_wy            DOUBLE NOT NULL,
    psu_aa            DOUBLE NOT NULL,   -- sum over PSUs of (sum w*y)^2
    psu_ab            DOUBLE NOT NULL,   -- sum over PSUs of (sum w*y)(sum w)
    psu_bb            DOUBLE NOT NULL    -- sum over PSUs of (sum w)^2
);

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

CREATE OR REPLACE VIEW cases AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.case_id ORDER BY e.batch_id DESC) AS rn
    FROM case_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;
