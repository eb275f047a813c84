-- Published results: parse the projected cells (pub_cells, one row per file row x measure) into pub_parsed,
-- recording every problem with row, column and value in ingest_problems. Nothing here is loaded.
-- Parameters: $na (texts meaning "not published"), $fmt ('proportion' | 'percent' | 'mean'), $scale_min,
-- $scale_max, $window ('month' | 'quarter' | 'rolling12' | 'year' | 'auto'), $dayfirst, $fy_start (first month
-- of the fiscal year, 1-12), $root, $create (create unknown areas under the root), $source (whole-file source),
-- $h_period, $h_measure, $h_n, $h_se, $h_lower, $h_upper, $h_jurisdiction (column headers, for problems).

-- A number as written: '0,63' (decimal comma), '63%', '63', '.63', '6.3e-1'; NULL when it is not a number.
CREATE OR REPLACE TEMP MACRO pub_body(t) AS
    replace(CASE WHEN regexp_full_match(trim(rtrim(trim(t), '%')), '[-+]?[0-9]*,[0-9]+')
                 THEN replace(trim(rtrim(trim(t), '%')), ',', '.') ELSE trim(rtrim(trim(t), '%')) END, ' ', '');
CREATE OR REPLACE TEMP MACRO pub_number(t) AS
    CASE WHEN regexp_full_match(pub_body(t), '[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?')
         THEN CAST(pub_body(t) AS DOUBLE) END;
CREATE OR REPLACE TEMP TABLE pub_na AS SELECT DISTINCT upper(trim(unnest(CAST($na AS VARCHAR[])))) AS v;
CREATE OR REPLACE TEMP MACRO pub_missing(t) AS t IS NULL OR trim(t) = '' OR upper(trim(t)) IN (SELECT v FROM pub_na);
CREATE OR REPLACE TEMP MACRO pub_month(y, m) AS
    make_date(CAST((y * 12 + m - 1) // 12 AS INTEGER), CAST((y * 12 + m - 1) % 12 + 1 AS INTEGER), 1);

CREATE OR REPLACE TEMP TABLE pub_period_texts AS
WITH t AS (
    SELECT DISTINCT period_text AS raw,
           regexp_replace(upper(trim(period_text)), '[ T]00:00(:00(\.0+)?)?$', '') AS p
    FROM pub_cells
), parts AS (
    SELECT raw, p,
        CASE
            WHEN regexp_full_match(p, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') THEN 'date'
            WHEN regexp_full_match(p, '[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4}') THEN 'dmy'
            WHEN regexp_full_match(p, '[0-9]{4} ?-? ?Q[1-4]') THEN 'quarter'
            WHEN regexp_full_match(p, 'FY ?[0-9]{4} ?[-/] ?([0-9]{2}|[0-9]{4}) ?Q[1-4]') THEN 'fy_quarter'
            WHEN regexp_full_match(p, 'FY ?[0-9]{4} ?[-/] ?([0-9]{2}|[0-9]{4})') THEN 'fy'
            WHEN regexp_full_match(p, '[0-9]{4}[-/][0-9]{1,2}') THEN 'month'
            WHEN regexp_full_match(p, '[0-9]{4}') THEN 'year'
        END AS form,
        regexp_extract_all(p, '[0-9]+') AS nums
    FROM t
)
SELECT raw, form,
    CASE form
        WHEN 'date' THEN date_trunc('month', try_cast(p AS DATE))
        WHEN 'dmy' THEN date_trunc('month', try_cast(printf('%04d-%02d-%02d', CAST(nums[3] AS INTEGER),
                CAST(CASE WHEN $dayfirst THEN nums[2] ELSE nums[1] END AS INTEGER),
                CAST(CASE WHEN $dayfirst THEN nums[1] ELSE nums[2] END AS INTEGER)) AS DATE))
        WHEN 'quarter' THEN pub_month(CAST(nums[1] AS INTEGER), 3 * CAST(nums[2] AS INTEGER))
        WHEN 'fy_quarter' THEN CASE WHEN CAST(nums[2] AS INTEGER) IN (CAST(nums[1] AS INTEGER) + 1,
                                                                        (CAST(nums[1] AS INTEGER) + 1) % 100)
            THEN pub_month(CAST(nums[1] AS INTEGER), $fy_start + 3 * CAST(nums[3] AS INTEGER) - 1) END
        WHEN 'fy' THEN CASE WHEN CAST(nums[2] AS INTEGER) IN (CAST(nums[1] AS INTEGER) + 1,
                                                                (CAST(nums[1] AS INTEGER) + 1) % 100)
            THEN pub_month(CAST(nums[1] AS INTEGER), $fy_start + 11) END
        WHEN 'month' THEN CASE WHEN CAST(nums[2] AS INTEGER) BETWEEN 1 AND 12
            THEN make_date(CAST(nums[1] AS INTEGER), CAST(nums[2] AS INTEGER), 1) END
        WHEN 'year' THEN make_date(CAST(nums[1] AS INTEGER), 12, 1)
    END AS end_month,
    CASE WHEN $window <> 'auto' THEN $window
         WHEN form IN ('quarter', 'fy_quarter') THEN 'quarter'
         WHEN form = 'month' THEN 'month'
         WHEN form IN ('year', 'fy') THEN 'year'
    END AS window_kind
FROM parts;

INSERT INTO ingest_problems
SELECT c._row, $h_period, c.period_text,
       CASE WHEN p.end_month IS NOT NULL THEN 'published_window' ELSE 'published_bad_period' END,
       CASE WHEN p.end_month IS NOT NULL THEN 'published_window' ELSE 'published_bad_period' END, '{}'
FROM pub_cells c JOIN pub_period_texts p ON p.raw IS NOT DISTINCT FROM c.period_text
WHERE p.end_month IS NULL OR p.window_kind IS NULL;

INSERT INTO ingest_problems
SELECT _row, $h_measure, measure_text, 'published_no_measure', 'published_no_measure', '{}'
FROM pub_cells WHERE coalesce(trim(measure_text), '') = '';

-- The value: not published (NA, blank), a number in the stated format and range, or a problem.
INSERT INTO ingest_problems
SELECT _row, value_col, value_text, code, code,
       json_object('min', $scale_min, 'max', $scale_max)
FROM (
    SELECT _row, value_col, value_text,
        CASE
            WHEN pub_number(value_text) IS NULL THEN 'published_not_number'
            WHEN $fmt = 'mean' AND trim(value_text) LIKE '%\%' ESCAPE '\' THEN 'published_percent_in_mean'
            WHEN $fmt = 'mean' AND NOT pub_number(value_text) BETWEEN $scale_min AND $scale_max
                THEN 'published_scale_range'
            WHEN ($fmt = 'percent' OR trim(value_text) LIKE '%\%' ESCAPE '\')
                 AND NOT pub_number(value_text) BETWEEN 0 AND 100 THEN 'published_percent_range'
            WHEN $fmt = 'proportion' AND trim(value_text) NOT LIKE '%\%' ESCAPE '\'
                 AND NOT pub_number(value_text) BETWEEN 0 AND 1 THEN 'published_proportion_range'
        END AS code
    FROM pub_cells WHERE NOT pub_missing(value_text)
) WHERE code IS NOT NULL;

-- Standard errors and bounds: numbers in the value's unit (a percent file gives them in percent).
INSERT INTO ingest_problems
SELECT _row, header, text, 'published_not_number', 'published_not_number', '{}'
FROM (
    SELECT _row, $h_se AS header, se_text AS text FROM pub_cells
    UNION ALL SELECT _row, $h_lower, lower_text FROM pub_cells
    UNION ALL SELECT _row, $h_upper, upper_text FROM pub_cells
) WHERE NOT pub_missing(text) AND (pub_number(text) IS NULL OR pub_number(text) < 0);

-- The base: a whole number of at least 1 ('1,234' and '1 234' are read as 1234).
INSERT INTO ingest_problems
SELECT _row, $h_n, n_text, 'published_bad_base', 'published_bad_base', '{}'
FROM pub_cells
WHERE NOT pub_missing(n_text)
  AND (NOT regexp_full_match(trim(n_text), '[0-9]+(\.0+)?|[0-9]{1,3}([, ][0-9]{3})+')
       OR try_cast(replace(replace(trim(n_text), ',', ''), ' ', '') AS DOUBLE) < 1);

INSERT INTO ingest_problems
SELECT DISTINCT _row, $h_jurisdiction, jur_text, 'published_unknown_area', 'published_unknown_area',
       json_object('root', $root)
FROM pub_cells
WHERE NOT $create AND coalesce(trim(jur_text), '') <> ''
  AND coalesce(trim(jur_text), '') NOT IN (SELECT code FROM external_jurisdictions WHERE root = $root);

CREATE OR REPLACE TEMP TABLE pub_parsed AS
SELECT c._row,
    coalesce(trim(c.jur_text), '') AS jurisdiction,
    CASE p.window_kind
        WHEN 'month' THEN strftime(p.end_month, '%Y-%m')
        WHEN 'quarter' THEN CAST(year(p.end_month) AS VARCHAR) || 'Q' || CAST(quarter(p.end_month) AS VARCHAR)
        WHEN 'rolling12' THEN strftime(p.end_month, '%Y-%m') || 'R12'
        WHEN 'year' THEN CAST(year(p.end_month) AS VARCHAR)
    END AS period,
    p.window_kind AS period_kind,
    last_day(p.end_month) AS period_end,
    trim(c.period_text) AS period_text,
    trim(c.measure_text) AS measure,
    c.grp,
    CASE WHEN pub_missing(c.value_text) THEN NULL ELSE trim(c.value_text) END AS value_text,
    CASE WHEN pub_missing(c.value_text) THEN NULL
         WHEN $fmt = 'mean' THEN pub_number(c.value_text)
         WHEN $fmt = 'percent' OR trim(c.value_text) LIKE '%\%' ESCAPE '\' THEN pub_number(c.value_text) / 100
         ELSE pub_number(c.value_text) END AS value,
    $fmt = 'percent' OR trim(c.value_text) LIKE '%\%' ESCAPE '\' AS in_percent,
    length(regexp_extract(pub_body(c.value_text), '\.([0-9]+)', 1)) AS decimals,
    CASE WHEN pub_missing(c.n_text) THEN NULL
         ELSE try_cast(CAST(replace(replace(trim(c.n_text), ',', ''), ' ', '') AS DOUBLE) AS BIGINT) END AS n,
    CASE WHEN pub_missing(c.se_text) THEN NULL ELSE pub_number(c.se_text) END AS se,
    CASE WHEN pub_missing(c.lower_text) THEN NULL ELSE pub_number(c.lower_text) END AS lower,
    CASE WHEN pub_missing(c.upper_text) THEN NULL ELSE pub_number(c.upper_text) END AS upper,
    coalesce(nullif(trim(c.source_text), ''), $source) AS source,
    nullif(trim(c.note_text), '') AS note
FROM pub_cells c JOIN pub_period_texts p ON p.raw IS NOT DISTINCT FROM c.period_text;

-- The same figure twice: the same value (and base, SE, bounds) is collapsed with a note; a different one is an
-- error naming both rows.
CREATE OR REPLACE TEMP TABLE pub_dups AS
SELECT *, first_value(_row) OVER w AS first_row, first_value(value_text) OVER w AS first_text,
       (value, n, se, lower, upper) IS NOT DISTINCT FROM
           (first_value(value) OVER w, first_value(n) OVER w, first_value(se) OVER w, first_value(lower) OVER w,
            first_value(upper) OVER w) AS same
FROM pub_parsed
WHERE period IS NOT NULL AND measure <> ''
WINDOW w AS (PARTITION BY jurisdiction, period, measure, grp ORDER BY _row);

INSERT INTO ingest_problems
SELECT d._row, c.value_col, d.value_text, 'published_conflict', 'published_conflict',
       json_object('first', d.first_row, 'first_value', coalesce(d.first_text, 'NA'))
FROM pub_dups d JOIN pub_cells c ON c._row = d._row AND trim(c.measure_text) = d.measure
WHERE NOT d.same;
