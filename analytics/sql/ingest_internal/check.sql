-- Internal-evaluation checks of an upload (after the generic field checks): each row's period is read as a
-- month, quarter or year; its measure must be defined (internal_measures: its key or its zh or en name); a rate measure needs a denominator
-- above 0 and a numerator no larger than it, a mean measure a score within the measure's scale and a number
-- tested above 0; one jurisdiction x period x measure x officer is given once. Problems go to ingest_problems.
CREATE OR REPLACE TEMP TABLE ingest_internal_rows AS
SELECT t.*,
       upper(replace(trim(t.period), ' ', '')) AS period_label,
       CASE
           WHEN regexp_full_match(upper(trim(t.period)), '\d{4}-(0[1-9]|1[0-2])')
               THEN try_strptime(trim(t.period) || '-01', '%Y-%m-%d')
           WHEN regexp_full_match(upper(trim(t.period)), '\d{4}Q[1-4]')
               THEN try_strptime(left(trim(t.period), 4) || '-'
                                 || lpad(CAST(3 * CAST(right(trim(t.period), 1) AS INTEGER) - 2 AS VARCHAR), 2, '0')
                                 || '-01', '%Y-%m-%d')
           WHEN regexp_full_match(trim(t.period), '\d{4}')
               THEN try_strptime(trim(t.period) || '-01-01', '%Y-%m-%d')
       END AS start_ts,
       CASE
           WHEN regexp_full_match(upper(trim(t.period)), '\d{4}-(0[1-9]|1[0-2])') THEN 1
           WHEN regexp_full_match(upper(trim(t.period)), '\d{4}Q[1-4]') THEN 3
           WHEN regexp_full_match(trim(t.period), '\d{4}') THEN 12
       END AS months,
       m.key AS measure_key, m.kind AS measure_kind, m.scale_min, m.scale_max
FROM ingest_typed t
LEFT JOIN internal_measures m
       ON m.key = trim(t.measure) OR m.label_zh = trim(t.measure) OR lower(m.label_en) = lower(trim(t.measure));

CREATE OR REPLACE TEMP TABLE ingest_internal_rows AS
SELECT * EXCLUDE (start_ts, months),
       CAST(start_ts AS DATE) AS period_start,
       CAST(start_ts + to_months(months) - INTERVAL 1 DAY AS DATE) AS period_end
FROM ingest_internal_rows;

INSERT INTO ingest_problems
SELECT jm_row('period', _row), jm_h('period'), period, 'invalid_value', 'internal_bad_period',
       json_object('value', period)
FROM ingest_internal_rows
WHERE period IS NOT NULL AND period_start IS NULL;

INSERT INTO ingest_problems
SELECT jm_row('measure', _row), jm_h('measure'), measure, 'invalid_value', 'internal_unknown_measure',
       json_object('value', measure, 'known', (SELECT string_agg(key, ', ' ORDER BY sort_order, key)
                                               FROM internal_measures))
FROM ingest_internal_rows
WHERE measure IS NOT NULL AND measure_kind IS NULL;

INSERT INTO ingest_problems
SELECT jm_row('denominator', _row), jm_h('denominator'), CAST(denominator AS VARCHAR), 'missing_value',
       'internal_rate_needs_counts', json_object('measure', measure)
FROM ingest_internal_rows
WHERE measure_kind = 'rate' AND (numerator IS NULL OR denominator IS NULL OR denominator <= 0);

INSERT INTO ingest_problems
SELECT jm_row('numerator', _row), jm_h('numerator'), CAST(numerator AS VARCHAR), 'invalid_value',
       'internal_numerator_exceeds', json_object('numerator', numerator, 'denominator', denominator)
FROM ingest_internal_rows
WHERE measure_kind = 'rate' AND numerator > denominator;

INSERT INTO ingest_problems
SELECT jm_row('score', _row), jm_h('score'), CAST(score AS VARCHAR), 'missing_value',
       'internal_mean_needs_score', json_object('measure', measure)
FROM ingest_internal_rows
WHERE measure_kind = 'mean' AND (score IS NULL OR n_tested IS NULL OR n_tested <= 0);

INSERT INTO ingest_problems
SELECT jm_row('score', _row), jm_h('score'), CAST(score AS VARCHAR), 'invalid_value', 'internal_score_range',
       json_object('value', score, 'min', scale_min, 'max', scale_max, 'measure', measure)
FROM ingest_internal_rows
WHERE measure_kind = 'mean' AND (score < scale_min OR score > scale_max);

INSERT INTO ingest_problems
SELECT jm_row('score_sd', _row), jm_h('score_sd'), CAST(score_sd AS VARCHAR), 'invalid_value', 'internal_sd_negative',
       json_object('value', score_sd)
FROM ingest_internal_rows
WHERE score_sd < 0;

INSERT INTO ingest_problems
SELECT _row, jm_h('measure'), measure, 'duplicate_id', 'internal_duplicate',
       json_object('measure', measure, 'period', period, 'first_row', first_row)
FROM (
    SELECT _row, measure, period,
           min(_row) OVER (PARTITION BY jurisdiction, period_label, measure_key, coalesce(officer_id, '')) AS first_row
    FROM ingest_internal_rows
    WHERE measure_key IS NOT NULL AND period IS NOT NULL AND jurisdiction IS NOT NULL
)
WHERE _row > first_row;
