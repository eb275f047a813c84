-- Each respondent's category in each margin: its dimension values joined in order ($sep between them); cid is the
-- margin row it matches, set once the margins are checked.
CREATE TEMP TABLE _jm_rake_cat (respondent_key BIGINT, m INTEGER, cat VARCHAR, cid INTEGER, raw VARCHAR);
