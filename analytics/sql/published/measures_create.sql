-- The file's measures with the indicator each is mapped to (NULL: its own measure) and its label.
CREATE OR REPLACE TEMP TABLE pub_measures (measure VARCHAR, indicator VARCHAR, label VARCHAR);
