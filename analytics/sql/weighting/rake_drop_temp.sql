-- The raking scratch tables (TEMP: this connection's only), dropped before a run and after it, kept or not.
DROP TABLE IF EXISTS temp._jm_rake_w;
DROP TABLE IF EXISTS temp._jm_rake_dimval;
DROP TABLE IF EXISTS temp._jm_rake_cat;
DROP TABLE IF EXISTS temp._jm_rake_margin;
DROP TABLE IF EXISTS temp._jm_rake_bands;
