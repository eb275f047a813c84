-- One problem per non-blank line the CSV reader rejected, with what it found ($width: the header's width).
INSERT INTO ingest_problems
SELECT DISTINCT r.line, NULL, NULL,
    CASE r.error_type WHEN 'TOO MANY COLUMNS' THEN 'too_many_fields'
                      WHEN 'MISSING COLUMNS' THEN 'too_few_fields'
                      WHEN 'UNQUOTED VALUE' THEN 'bad_quote'
                      WHEN 'INVALID ENCODING' THEN 'bad_encoding'
                      ELSE 'unreadable_row' END,
    CASE r.error_type WHEN 'TOO MANY COLUMNS' THEN 'field_count'
                      WHEN 'MISSING COLUMNS' THEN 'field_count'
                      WHEN 'UNQUOTED VALUE' THEN 'bad_quote'
                      WHEN 'INVALID ENCODING' THEN 'line_not_utf8'
                      ELSE 'reader_error' END,
    json_object('found', regexp_extract(r.error_message, 'Found: (\d+)', 1), 'width', $width,
                'error', r.error_message)
FROM ingest_rejects r JOIN ingest_lines l ON l.line_no = r.line
WHERE NOT l.blank;
