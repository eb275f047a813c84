-- Data lines holding a value (after the $skip lines above the first) and rows read holding one: with the
-- rejected lines they must add up (a line of only delimiters is read as a blank row, counted apart,
-- unless it has too few delimiters: then the reader rejected it, as any short row).
SELECT (SELECT count(*) FROM ingest_lines WHERE line_no > $skip AND NOT blank
          AND (NOT no_values OR line_no IN (SELECT line FROM ingest_rejects))) AS lines,
       (SELECT count(*) FROM ingest_raw WHERE NOT _blank) AS read;
