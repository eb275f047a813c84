-- Macros used while staging an upload (TEMP: they exist only on the loading connection).
-- Value folding must match analytics.ingest.fields.norm_value: full-width -> ASCII, spaces collapsed,
-- trimmed, lower case, '5.0' -> '5'.

-- translate() is slow, so it only runs on values that hold full-width characters or odd spaces.
CREATE OR REPLACE TEMP MACRO jm_fold(s) AS (
    CASE WHEN regexp_matches(s, '[\x{FF01}-\x{FF5E}\x{3000}\x{00A0}]')
         THEN translate(s, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　 ',
                        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~  ')
         ELSE s END
);

CREATE OR REPLACE TEMP MACRO jm_norm(s) AS (
    regexp_replace(lower(trim(regexp_replace(jm_fold(s), '\s+', ' ', 'g'))), '^(-?\d+)\.0+$', '\1')
);

-- Cell text to a single canonical spelling of a date or date-time: 年/月/日 and / . separators become
-- '-', 时/分 become ':', a 'T' between date and time becomes a space.
CREATE OR REPLACE TEMP MACRO jm_dt_norm(s) AS (
    rtrim(regexp_replace(regexp_replace(regexp_replace(
        replace(replace(replace(replace(replace(replace(trim(jm_fold(s)), '年', '-'), '月', '-'), '日', ' '),
                                '时', ':'), '分', ':'), '秒', ''),
        '^(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})', '\1-\2-\3'),
        '^(\S+)T(\d)', '\1 \2'),
        '\s+', ' ', 'g'), ' :-')
);

-- Which written form a (normalised) date has; NULL when it is not date-like at all.
CREATE OR REPLACE TEMP MACRO jm_dt_shape(x) AS (
    CASE
        WHEN regexp_full_match(x, '\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{1,2}(:\d{1,2}(\.\d+)?)?)?') THEN 'ymd'
        WHEN regexp_full_match(x, '\d{4}-\d{1,2}') THEN 'ym'
        WHEN regexp_full_match(x, '\d{8}') THEN 'compact'
        WHEN regexp_full_match(x, '\d{1,2}-\d{1,2}-\d{4}( \d{1,2}:\d{1,2}(:\d{1,2})?)?') THEN 'dmy'
        WHEN regexp_full_match(x, '\d{5}(\.\d+)?') THEN 'serial'
    END
);

-- Parse a normalised date; NULL when the form is unknown or the date does not exist (2025-02-30).
-- Excel serial numbers count days from 1899-12-30 (accepted between 1954 and 2119).
CREATE OR REPLACE TEMP MACRO jm_dt_parse(x, dayfirst) AS (
    CASE jm_dt_shape(x)
        WHEN 'ymd' THEN try_strptime(x, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d'])
        WHEN 'ym' THEN try_strptime(x || '-1', '%Y-%m-%d')
        WHEN 'compact' THEN try_strptime(x, '%Y%m%d')
        WHEN 'dmy' THEN CASE WHEN dayfirst
            THEN try_strptime(x, ['%d-%m-%Y %H:%M:%S', '%d-%m-%Y %H:%M', '%d-%m-%Y'])
            ELSE try_strptime(x, ['%m-%d-%Y %H:%M:%S', '%m-%d-%Y %H:%M', '%m-%d-%Y']) END
        WHEN 'serial' THEN CASE WHEN TRY_CAST(x AS DOUBLE) BETWEEN 20000 AND 80000
            THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST(x AS DOUBLE) * 86400000000) AS BIGINT))
            END
    END
);

-- A value that looks like a mainland mobile number (spaces, dashes and a +86 prefix allowed).
CREATE OR REPLACE TEMP MACRO jm_phone_digits(s) AS (
    right(regexp_replace(jm_fold(s), '[^0-9]', '', 'g'), 11)
);
-- A number has at least 11 characters and jm_fold maps characters one to one, so a value of fewer than 11 bytes
-- (strlen: constant time; never fewer bytes than characters) cannot be one: the regular expressions are skipped
-- (CASE evaluates a branch only for the rows that reach it).
CREATE OR REPLACE TEMP MACRO jm_is_phone(s) AS (
    CASE WHEN strlen(s) < 11 THEN false
         ELSE coalesce(regexp_full_match(regexp_replace(trim(jm_fold(s)), '[\s\-()]', '', 'g'),
                                         '(\+?86|0086)?1[3-9]\d{9}'), false) END
);

-- An 18-digit ID-card number with a plausible birth date and a valid ISO 7064 check character (a value of fewer
-- than 18 bytes cannot be one: the regular expression is skipped).
CREATE OR REPLACE TEMP MACRO jm_is_id(s) AS (
    CASE WHEN strlen(s) < 18 THEN false
         WHEN regexp_full_match(trim(jm_fold(s)), '[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]')
        THEN substr('10X98765432', CAST(list_sum(list_transform(range(17), lambda i:
                coalesce(TRY_CAST(substr(trim(jm_fold(s)), i + 1, 1) AS INTEGER), 0)
                * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11 AS INTEGER) + 1, 1)
            = upper(substr(trim(jm_fold(s)), 18, 1))
        ELSE false END
);

-- The text that is hashed for a person key: a typed prefix and the normalised number.
CREATE OR REPLACE TEMP MACRO jm_person_text(s) AS (
    CASE
        WHEN jm_is_id(s) THEN 'id:' || upper(trim(jm_fold(s)))
        WHEN jm_is_phone(s) THEN 'phone:' || jm_phone_digits(s)
        WHEN nullif(trim(s), '') IS NOT NULL THEN 'text:' || jm_norm(s)
    END
);
