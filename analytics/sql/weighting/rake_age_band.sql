-- Every value of the banded dimension that is a number (an age in years) becomes the label of the band holding it.
UPDATE _jm_rake_dimval SET value = b.label
FROM _jm_rake_bands b
WHERE _jm_rake_dimval.m = $m AND _jm_rake_dimval.pos = $pos AND b.dim = $dim
  AND TRY_CAST(_jm_rake_dimval.value AS DOUBLE) >= b.lo
  AND (b.hi IS NULL OR TRY_CAST(_jm_rake_dimval.value AS DOUBLE) < b.hi);
