-- Bound every weight to [$lo, $hi] (persons; the caller multiplies the bounds by the mean weight).
UPDATE _jm_rake_w SET w = least(greatest(w, $lo), $hi);
