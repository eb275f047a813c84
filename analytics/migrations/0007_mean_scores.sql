-- Jingmin schema, version 7: an indicator is a top-box rate (scores in [0, 1]) or a mean score on its
-- item's scale (scores in [scale_min, scale_max], shown as e.g. "6.4 / 10" with ``unit``).
ALTER TABLE indicators ADD COLUMN kind VARCHAR DEFAULT 'rate';
ALTER TABLE indicators ADD COLUMN scale_min DOUBLE DEFAULT 0;
ALTER TABLE indicators ADD COLUMN scale_max DOUBLE DEFAULT 1;
ALTER TABLE indicators ADD COLUMN unit VARCHAR DEFAULT '';
