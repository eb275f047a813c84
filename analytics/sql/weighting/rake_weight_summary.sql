-- The raked weights' range and the sums the Kish design effect n Σw² / (Σw)² needs.
SELECT min(w) AS w_min, max(w) AS w_max, sum(w) AS sum_w, sum(w * w) AS sum_w2 FROM _jm_rake_w;
