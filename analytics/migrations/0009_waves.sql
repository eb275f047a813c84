-- Jingmin schema, version 9: survey waves (issue 13 item 9).
-- * respondents.wave: the wave label the file gave (a column such as 轮次, or one value for the whole file);
--   NULL when the file gave none.
-- * indicator_cells.wave: cells are also kept per wave ('' = no wave), so a wave's figure is a GROUP BY over
--   its cells like any period's. Month-based figures sum over wave: they are exactly what they were.
-- * wave_order: an order a mapping gave (option wave_order); waves without one are ordered by their first
--   interview date. The view `waves` lists every wave of the loaded batches with its dates and place in order.
ALTER TABLE respondents ADD COLUMN wave VARCHAR;
ALTER TABLE indicator_cells ADD COLUMN wave VARCHAR DEFAULT '';
UPDATE indicator_cells SET wave = '' WHERE wave IS NULL;

CREATE TABLE IF NOT EXISTS wave_order (
    label      VARCHAR PRIMARY KEY,
    sort_order INTEGER NOT NULL
);

CREATE OR REPLACE VIEW waves AS
WITH seen AS (
    SELECT r.wave AS label, min(r.interview_date) AS first_date, max(r.interview_date) AS last_date,
           count(*) AS respondents
    FROM respondents r JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    WHERE r.wave IS NOT NULL
    GROUP BY r.wave
)
SELECT s.label, s.first_date, s.last_date, s.respondents, o.sort_order AS given_order,
       CAST(row_number() OVER (ORDER BY o.sort_order NULLS LAST, s.first_date, s.label) AS INTEGER) AS sort_order
FROM seen s LEFT JOIN wave_order o ON o.label = s.label;
