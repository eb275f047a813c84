-- Every physical line of the file at $path numbered, blank ones flagged (no line text is kept). The
-- delimiter is the unit separator (chr(31)), which a text file does not hold, so each line is one value.
CREATE OR REPLACE TEMP TABLE ingest_lines AS
SELECT row_number() OVER () AS line_no, coalesce(trim(line, ' ' || chr(9) || chr(13)), '') = '' AS blank
FROM read_csv($path, header = false, auto_detect = false, columns = {'line': 'VARCHAR'},
              delim = chr(31), quote = '', escape = '', strict_mode = false, null_padding = true,
              all_varchar = true);
