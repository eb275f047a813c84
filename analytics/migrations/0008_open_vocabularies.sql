-- Jingmin schema, version 8: open vocabularies (issue 13).
-- * respondents.survey_mode: the mode each respondent was interviewed by (a wave may mix mail, web and
--   phone); batches.survey_mode keeps the batch's mode, or the modes joined by '+' for a mixed wave.
-- * case_events.category_label / outcome_label: the label the file gave; category / outcome hold the
--   family it maps to ('other' when the label is not mapped), so an unknown label is kept, never rejected.
-- * batch_fields: which canonical fields each batch gave (a column or a whole-file value). A metric whose
--   source field no loaded batch gave is "no data", not 0%.
ALTER TABLE respondents ADD COLUMN survey_mode VARCHAR;
UPDATE respondents SET survey_mode = b.survey_mode FROM batches b WHERE b.batch_id = respondents.batch_id;

ALTER TABLE case_events ADD COLUMN category_label VARCHAR;
ALTER TABLE case_events ADD COLUMN outcome_label VARCHAR;
UPDATE case_events SET category_label = category, outcome_label = outcome;

CREATE TABLE IF NOT EXISTS batch_fields (
    batch_id BIGINT NOT NULL,
    field    VARCHAR NOT NULL,
    PRIMARY KEY (batch_id, field)
);

-- Batches loaded before this version: the fields their load summary names as a column target or a
-- whole-file value.
INSERT INTO batch_fields
SELECT b.batch_id, f.field
FROM batches b
CROSS JOIN (SELECT unnest(['case_id', 'jurisdiction', 'category', 'is_small', 'reported_at', 'first_response_at',
                           'closed_at', 'status', 'outcome', 'mediation_agreed', 'callback_at', 'callback_result',
                           'rectification_status', 'rectified_at', 'reporter_hash']) AS field) f
WHERE b.kind = 'cases'
  AND (json_contains(json_extract(b.summary, '$.columns'), to_json(f.field))
       OR json_extract(b.summary, '$.constants.' || f.field) IS NOT NULL)
ON CONFLICT DO NOTHING;

-- Demographic items hold the labels a file gives (open), not a fixed code list.
UPDATE items SET scale = 'open' WHERE item IN ('sex', 'age_band') AND scale = 'categorical';

CREATE OR REPLACE VIEW cases AS
SELECT * EXCLUDE (rn) FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.case_id ORDER BY e.batch_id DESC) AS rn
    FROM case_events e JOIN batches b USING (batch_id)
    WHERE b.status = 'loaded'
) WHERE rn = 1;
