-- The age bands of every dimension whose margin labels are all bands: [lo, hi) in years, hi NULL for "55+".
CREATE TEMP TABLE _jm_rake_bands (dim VARCHAR, label VARCHAR, lo DOUBLE, hi DOUBLE);
