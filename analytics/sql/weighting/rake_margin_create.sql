-- The margins, long: one row per category (cid) of each margin (m), its population and its label for messages.
CREATE TEMP TABLE _jm_rake_margin (cid INTEGER, m INTEGER, cat VARCHAR, population DOUBLE, label VARCHAR);
