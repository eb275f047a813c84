-- Jingmin schema, version 15: residents' voice and prevention work (issue 19).
-- * batches: rebuilt so that its kind check admits the new kinds of file (DuckDB cannot alter a CHECK);
--   every row, id and the id sequence are kept.
-- * case_events.dispute_ref: the dispute a case names (关联纠纷编号), one of the two ways a dispute escalates.
-- * disputes + dispute_parties: one row per dispute (newest loaded batch wins, as for cases) and its parties'
--   person keys (HMAC like phones; never a number in clear).
-- * hazards: one row per hazard, newest loaded batch wins.
-- * demands, comments: text is stored ONLY after redaction (analytics/textprivacy.py); the original never
--   reaches a table. text_topics holds each record's topics with the words that caused them.
-- * voice_topics: the editable keyword dictionary the topics are derived from (seeded below).
-- * forum_actions.topics: "you said, we did" rows name the demand topics they answer.
CREATE TABLE batches_v15 (
    batch_id     BIGINT PRIMARY KEY DEFAULT nextval('batch_id_seq'),
    kind         VARCHAR NOT NULL CHECK (kind IN ('jurisdictions', 'survey', 'cases', 'margins', 'disputes',
                                                  'hazards', 'demands', 'comments', 'internal')),
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
INSERT INTO batches_v15 SELECT batch_id, kind, source_name, sha256, row_count, loaded_at, status, removed_at,
                               survey_mode, mapping_name, summary FROM batches;
DROP TABLE batches;
ALTER TABLE batches_v15 RENAME TO batches;

ALTER TABLE case_events ADD COLUMN dispute_ref VARCHAR;

CREATE TABLE IF NOT EXISTS dispute_events (
    batch_id               BIGINT NOT NULL,
    dispute_id             VARCHAR NOT NULL,
    jurisdiction_code      VARCHAR NOT NULL,
    found_at               DATE NOT NULL,
    source                 VARCHAR,
    source_label           VARCHAR,
    dispute_type           VARCHAR,
    dispute_type_label     VARCHAR,
    mediation_result       VARCHAR,
    mediation_result_label VARCHAR,
    mediated_at            DATE
);
CREATE TABLE IF NOT EXISTS dispute_parties (
    batch_id   BIGINT NOT NULL,
    dispute_id VARCHAR NOT NULL,
    party_hash VARCHAR NOT NULL
);
CREATE OR REPLACE VIEW disputes AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.dispute_id ORDER BY e.batch_id DESC) AS rn
    FROM dispute_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;

CREATE TABLE IF NOT EXISTS hazard_events (
    batch_id             BIGINT NOT NULL,
    hazard_id            VARCHAR NOT NULL,
    jurisdiction_code    VARCHAR NOT NULL,
    found_at             DATE NOT NULL,
    place_category       VARCHAR,
    place_category_label VARCHAR,
    severity             VARCHAR,
    severity_label       VARCHAR,
    deadline             DATE,
    rectified_at         DATE
);
CREATE OR REPLACE VIEW hazards AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.hazard_id ORDER BY e.batch_id DESC) AS rn
    FROM hazard_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;

CREATE TABLE IF NOT EXISTS demand_events (
    batch_id          BIGINT NOT NULL,
    demand_id         VARCHAR NOT NULL,
    channel           VARCHAR NOT NULL,
    channel_label     VARCHAR,
    received_at       TIMESTAMP NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,   -- redacted
    status            VARCHAR,
    status_label      VARCHAR,
    answered_at       TIMESTAMP,
    reply             VARCHAR             -- redacted
);
CREATE OR REPLACE VIEW demands AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.demand_id ORDER BY e.batch_id DESC) AS rn
    FROM demand_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;

CREATE TABLE IF NOT EXISTS comment_events (
    batch_id          BIGINT NOT NULL,
    comment_id        VARCHAR NOT NULL,
    source            VARCHAR,
    source_label      VARCHAR,
    jurisdiction_code VARCHAR NOT NULL,
    commented_at      DATE NOT NULL,
    text              VARCHAR NOT NULL,   -- redacted
    tone              VARCHAR NOT NULL CHECK (tone IN ('positive', 'negative', 'neutral')),
    tone_words        VARCHAR[] NOT NULL
);
CREATE OR REPLACE VIEW comments AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.comment_id ORDER BY e.batch_id DESC) AS rn
    FROM comment_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;

-- Topics of one record (record_kind 'demand' or 'comment'): origin 'given' (the file's own topic, no
-- evidence) or 'derived' (evidence = the words of the text that matched the dictionary).
CREATE TABLE IF NOT EXISTS text_topics (
    batch_id    BIGINT NOT NULL,
    record_kind VARCHAR NOT NULL CHECK (record_kind IN ('demand', 'comment')),
    record_id   VARCHAR NOT NULL,
    topic       VARCHAR NOT NULL,
    origin      VARCHAR NOT NULL CHECK (origin IN ('given', 'derived')),
    evidence    VARCHAR[] NOT NULL
);

CREATE TABLE IF NOT EXISTS voice_topics (
    topic      VARCHAR PRIMARY KEY,
    label_zh   VARCHAR NOT NULL,
    label_en   VARCHAR NOT NULL,
    keywords   VARCHAR[] NOT NULL,    -- Chinese words (added to the segmenter's dictionary) and English words
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by VARCHAR NOT NULL DEFAULT 'seed'
);
INSERT INTO voice_topics (topic, label_zh, label_en, keywords) VALUES
    ('parking', '停车难', 'Parking', ['停车', '车位', '停车场', '乱停', '占道', 'parking', 'park']),
    ('noise', '噪音扰民', 'Noise', ['噪音', '扰民', '吵闹', '广场舞', '装修', 'noise', 'noisy', 'loud']),
    ('patrol', '巡逻防控', 'Patrols', ['巡逻', '见警', '巡防', '治安', 'patrol', 'patrols', 'police presence']),
    ('fraud', '电信诈骗', 'Fraud', ['诈骗', '骗子', '反诈', '刷单', '冒充', 'fraud', 'scam', 'scams']),
    ('theft', '盗窃', 'Theft', ['盗窃', '被盗', '小偷', '偷', '电动车', 'theft', 'stolen', 'burglary']),
    ('traffic', '交通秩序', 'Traffic', ['交通', '红绿灯', '拥堵', '电瓶车', '逆行', 'traffic', 'congestion']),
    ('lighting', '照明监控', 'Lighting and cameras', ['路灯', '照明', '监控', '摄像头', 'lighting', 'streetlight', 'camera', 'cctv']),
    ('service', '办事服务', 'Service', ['户籍', '办证', '身份证办理', '窗口', '态度', '排队', 'service', 'queue', 'attitude']),
    ('response', '出警速度', 'Response', ['出警', '到场', '太慢', '及时', 'response', 'slow', 'arrived']),
    ('dispute', '矛盾纠纷', 'Disputes', ['纠纷', '矛盾', '吵架', '邻里', 'dispute', 'quarrel', 'neighbour']);

ALTER TABLE forum_actions ADD COLUMN topics VARCHAR[] DEFAULT [];
