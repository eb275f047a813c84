-- Jingmin schema, version 13: response integrity (issue 18).
-- * respondents.interview_start / interview_end / duration_min: when an interview began and ended, or how
--   long it took (minutes), when the file gives them; the burst and duration checks need them.
--   (The interviewer and the channel are open grouping items in `answers`, like sex and age band.)
-- * case_events.callback_operator: who made the callback (回访人), when the case file gives it.
-- * integrity_exclusions: respondents an analyst set aside for the sensitivity view (the ranking with
--   doubtful answers excluded). Never deleted: restoring a row stamps restored_at, so every exclusion
--   stays listed; both steps are also written to audit_log.
ALTER TABLE respondents ADD COLUMN interview_start TIMESTAMP;
ALTER TABLE respondents ADD COLUMN interview_end TIMESTAMP;
ALTER TABLE respondents ADD COLUMN duration_min DOUBLE;

ALTER TABLE case_events ADD COLUMN callback_operator VARCHAR;

CREATE SEQUENCE IF NOT EXISTS integrity_exclusion_id_seq START 1;

CREATE TABLE IF NOT EXISTS integrity_exclusions (
    exclusion_id   BIGINT PRIMARY KEY DEFAULT nextval('integrity_exclusion_id_seq'),
    respondent_key BIGINT NOT NULL,
    period         VARCHAR NOT NULL,     -- the period label whose flags named the respondent
    reason         VARCHAR NOT NULL,     -- the check that named it (straight_lining, burst, duration, repeat)
    excluded_by    VARCHAR NOT NULL,
    excluded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    restored_by    VARCHAR,
    restored_at    TIMESTAMP
);

CREATE OR REPLACE VIEW cases AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.case_id ORDER BY e.batch_id DESC) AS rn
    FROM case_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;
