-- One recode of a sample label ($old, folded) to a margin label ($new, folded) on one dimension.
UPDATE _jm_rake_dimval SET value = $new WHERE m = $m AND pos = $pos AND value = $old;
