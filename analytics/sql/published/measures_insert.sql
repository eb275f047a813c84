-- Fill pub_measures from parallel lists of equal length (one element per measure; unnest pairs them by position).
INSERT INTO pub_measures SELECT unnest($measures), unnest($indicators), unnest($labels);
