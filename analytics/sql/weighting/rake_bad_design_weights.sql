-- Design weights raking cannot start from (not a positive finite number): how many, and one of them.
SELECT count(*) AS n, min(w0) AS example FROM _jm_rake_w WHERE NOT isfinite(w0) OR w0 <= 0;
