-- Non-blank lines the CSV reader rejected.
SELECT count(DISTINCT r.line) AS n FROM ingest_rejects r JOIN ingest_lines l ON l.line_no = r.line WHERE NOT l.blank;
