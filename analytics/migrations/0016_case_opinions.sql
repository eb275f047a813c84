-- Jingmin schema, version 16: opinions collected in callbacks on unsolved cases (issue 19, 征求意见建议).
-- * case_events.opinion_collected: whether the callback asked the reporter for opinions and suggestions
--   (NULL when the file does not say; a file that gives the opinion text implies true).
-- * comment_events.case_id: the case whose callback collected the comment. The opinion text of a case file
--   is stored ONLY redacted, as a comment with source 'callback' (analytics/textprivacy.py), so it goes
--   through the same topic tagging, tone and feed as every other comment; the original never reaches a table.
ALTER TABLE case_events ADD COLUMN opinion_collected BOOLEAN;
ALTER TABLE comment_events ADD COLUMN case_id VARCHAR;

CREATE OR REPLACE VIEW cases AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.case_id ORDER BY e.batch_id DESC) AS rn
    FROM case_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;

CREATE OR REPLACE VIEW comments AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.comment_id ORDER BY e.batch_id DESC) AS rn
    FROM comment_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;
