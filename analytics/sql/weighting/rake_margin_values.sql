-- The distinct margin labels (folded) of dimension $p (1-based) of margin $m.
SELECT DISTINCT split_part(cat, $sep, $p) AS value FROM _jm_rake_margin WHERE m = $m;
