-- Fill _jm_rake_bands from parallel lists of equal length (one element per band; unnest pairs them by position).
INSERT INTO _jm_rake_bands
SELECT unnest($dims), unnest($labels), unnest($los), unnest($his);
