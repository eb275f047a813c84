-- Police–residents forums (警民恳谈会): "you said, we did" — residents' concerns and the actions taken,
-- per jurisdiction and period (a period label such as 2026Q3, as everywhere else).
-- Edited on the Forum page; every save is one transaction recorded in audit_log.

CREATE SEQUENCE IF NOT EXISTS forum_action_id_seq START 1;

CREATE TABLE IF NOT EXISTS forum_actions (
    action_id         BIGINT PRIMARY KEY DEFAULT nextval('forum_action_id_seq'),
    jurisdiction_code VARCHAR NOT NULL,
    period            VARCHAR NOT NULL,
    concern           VARCHAR NOT NULL,   -- what residents said
    action            VARCHAR NOT NULL DEFAULT '',  -- what the police did about it
    status            VARCHAR NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done')),
    position          INTEGER NOT NULL DEFAULT 0,  -- order shown on the page and in reports
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by        VARCHAR NOT NULL
);
