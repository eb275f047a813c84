-- Sufficient statistics per indicator x jurisdiction (at $level) x survey wave x stratum, summed from
-- indicator_cells (the cells are kept per wave; respondents without a wave, wave '', are in no wave).
-- The period of a wave is its label; period_start / period_end are its first and last interview dates
-- and wave_order its place in the wave order (see the view `waves`). $waves (labels, or NULL) keeps only those.
SELECT c.indicator, a.ancestor_code AS jurisdiction, c.wave AS period, w.first_date AS period_start,
       w.last_date AS period_end, w.sort_order AS wave_order, c.stratum,
       sum(c.n) AS n, sum(c.n_dk) AS n_dk, sum(c.n_psu) AS n_psu,
       sum(c.sum_y) AS sum_y, sum(c.sum_y2) AS sum_y2, sum(c.sum_w) AS sum_w, sum(c.sum_w2) AS sum_w2,
       sum(c.sum_wy) AS sum_wy, sum(c.psu_aa) AS psu_aa, sum(c.psu_ab) AS psu_ab, sum(c.psu_bb) AS psu_bb
FROM indicator_cells c
JOIN waves w ON w.label = c.wave
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
WHERE c.wave <> ''
  AND ($indicators IS NULL OR list_contains($indicators, c.indicator))
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($waves IS NULL OR list_contains($waves, c.wave))
GROUP BY ALL
ORDER BY c.indicator, jurisdiction, wave_order, c.stratum;
