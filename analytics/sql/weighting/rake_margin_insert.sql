-- Fill _jm_rake_margin from parallel lists of equal length (one element per category; unnest pairs them).
INSERT INTO _jm_rake_margin
SELECT unnest($cids), unnest($ms), unnest($cats), unnest($populations), unnest($labels);
