-- Every physical line of the file at $path numbered, blank ones flagged (no line text is kept). The
-- delimiter is the unit separator (chr(31)), which a text file does not hold, so each line is one value.
-- A line of only delimiters ($delim), spaces and empty quotes (',,,,' as spreadsheets export an empty row) is no
-- blank line: the row reader returns it as a row, whose fields are all blank (a blank row, counted apart).
CREATE OR REPLACE TEMP TABLE ingest_lines AS
SELECT row_number() OVER () AS line_no, coalesce(trim(line, ' ' || chr(9) || chr(13)), '') = '' AS blank,
       regexp_full_match(coalesce(line, ''), ' *("[ ]*")? *(' || regexp_escape($delim) || ' *("[ ]*")? *)*\r?') AS no_values
FROM read_csv($path, header = false, auto_detect = false, columns = {'line': 'VARCHAR'},
              delim = chr(31), quote = '', escape = '', strict_mode = false, null_padding = true,
              all_varchar = true);
