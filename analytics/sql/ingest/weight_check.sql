-- The spread of a survey file's weights (each weight being positive and finite is checked per cell).
-- The largest and smallest weight may differ at most $max_ratio-fold (setting weight_max_ratio). When they
-- differ more, the weights further than sqrt($max_ratio) times from the median weight, either way, are the
-- problems: max/min = (max/median) * (median/min) > $max_ratio means at least one of the two factors exceeds
-- sqrt($max_ratio), so a file over the ratio always names at least one row, and once every named row is
-- corrected all weights lie within sqrt($max_ratio) of the median, hence within $max_ratio of each other.
INSERT INTO ingest_problems
WITH w AS (
    SELECT f._row, trim(f.weight) AS raw, t.weight AS w
    FROM ingest_fields f JOIN ingest_typed t USING (_row)
    WHERE t.weight > 0 AND isfinite(t.weight)
), s AS (
    SELECT max(w) / min(w) AS spread, median(w) AS med, sqrt($max_ratio) AS band FROM w
)
SELECT w._row, $header, w.raw, 'bad_weight',
       CASE WHEN w.w > s.med THEN 'weight_too_large' ELSE 'weight_too_small' END,
       json_object('value', w.raw, 'median', printf('%g', s.med), 'band', printf('%g', s.band),
                   'ratio', printf('%g', CAST($max_ratio AS DOUBLE)))
FROM w CROSS JOIN s
WHERE s.spread > $max_ratio AND (w.w > s.med * s.band OR w.w < s.med / s.band);
