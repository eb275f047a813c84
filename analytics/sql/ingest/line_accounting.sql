-- Non-blank data lines (after the $skip lines above the first) and rows read: with the rejected lines they
-- must add up.
SELECT (SELECT count(*) FROM ingest_lines WHERE line_no > $skip AND NOT blank) AS lines,
       (SELECT count(*) FROM ingest_raw WHERE NOT _blank) AS read;
