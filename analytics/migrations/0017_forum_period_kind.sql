-- Jingmin schema, version 17: "you said, we did" rows are keyed by jurisdiction, period label AND period kind.
-- A survey wave's label is free text (analytics/waves.py), so a wave may be called what a calendar period is
-- called ('2026Q3', '2025'); keyed by the label alone, the rows of one showed on the other.
-- period_kind is one of the kinds a forum can be held for: month, quarter, year, rolling12 (analytics/periods.py
-- calendar labels) or wave. Existing rows get the calendar kind their label parses as (the rules of
-- periods.parse_period: 2026-03, 2026Q3, 2026, 2026-03R12; year 0000 and month 13 do not parse there); a label
-- that parses as no calendar period can only have been saved for a wave. A wave row saved before this version
-- under a label that is also a calendar label cannot be told from a calendar row and becomes the calendar one.
-- DuckDB cannot make a column NOT NULL after filling it in the same transaction ("outstanding updates"), so the
-- table is rebuilt with the column in place; ids, text, order and topics are copied unchanged and the id
-- sequence is the same one.

CREATE TABLE forum_actions_v17 (
    action_id         BIGINT PRIMARY KEY DEFAULT nextval('forum_action_id_seq'),
    jurisdiction_code VARCHAR NOT NULL,
    period            VARCHAR NOT NULL,
    period_kind       VARCHAR NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year', 'rolling12', 'wave')),
    concern           VARCHAR NOT NULL,   -- what residents said
    action            VARCHAR NOT NULL DEFAULT '',  -- what the police did about it
    status            VARCHAR NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done')),
    position          INTEGER NOT NULL DEFAULT 0,  -- order shown on the page and in reports
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by        VARCHAR NOT NULL,
    topics            VARCHAR[] DEFAULT []  -- demand topics the row answers (version 15)
);

INSERT INTO forum_actions_v17 (action_id, jurisdiction_code, period, period_kind, concern, action, status, position,
                               updated_at, updated_by, topics)
SELECT action_id, jurisdiction_code, period,
       CASE
           WHEN period LIKE '0000%' THEN 'wave'
           WHEN regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])') THEN 'month'
           WHEN regexp_full_match(period, '[0-9]{4}Q[1-4]') THEN 'quarter'
           WHEN regexp_full_match(period, '[0-9]{4}') THEN 'year'
           WHEN regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])R12') THEN 'rolling12'
           ELSE 'wave'
       END,
       concern, action, status, position, updated_at, updated_by, topics
FROM forum_actions;

DROP TABLE forum_actions;
ALTER TABLE forum_actions_v17 RENAME TO forum_actions;
