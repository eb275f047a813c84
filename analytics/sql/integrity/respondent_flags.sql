-- requires: integrity/base
-- The respondents behind the flags, for analysts: each respondent of the period (of $unit only, unless NULL)
-- with what the checks saw and which alerted check names it:
--   f_straight  a straight-liner in a unit, or of an interviewer, at alert for straight-lining
--   f_duration  a too-short interview in a unit, or of an interviewer, at alert for duration
--   f_repeat    a repeat interview of a person key in a unit at alert for repeats
--   f_burst     a top-answer interview inside an alerted burst window (interviewer, channel or unit)
-- and whether it is excluded from the sensitivity view now. Lists name the alerted units ('unit' or
-- 'unit|interviewer'); bursts come as parallel lists of kind, unit, label and window start.
WITH r AS (
    SELECT *, row_number() OVER (PARTITION BY person_hash ORDER BY interview_date, interview_start, respondent_key)
              AS nth
    FROM jm_integrity_resp($date_from, $date_to, $level)
),
b AS (
    SELECT unnest(CAST($burst_kinds AS VARCHAR[])) AS kind, unnest(CAST($burst_units AS VARCHAR[])) AS unit,
           unnest(CAST($burst_labels AS VARCHAR[])) AS label, unnest(CAST($burst_starts AS TIMESTAMP[])) AS ws
),
x AS (
    SELECT DISTINCT respondent_key FROM integrity_exclusions WHERE restored_at IS NULL
),
flagged AS (
    SELECT r.*,
           r.duration_min IS NOT NULL AND r.n_answered > 0 AND r.duration_min * 60 < $sec_per_item * r.n_answered
               AS too_fast,
           r.person_hash IS NOT NULL AND r.nth > 1 AS is_repeat
    FROM r
    WHERE CAST($unit AS VARCHAR) IS NULL OR r.unit = $unit
)
SELECT f.respondent_key, f.respondent_id, f.batch_id, f.unit, f.station, f.community, f.community_name_zh,
       f.community_name_en, f.interviewer, f.channel, f.interview_date,
       f.interview_start, f.duration_min, f.n_items, f.n_top, f.straight, f.sat_top, f.too_fast, f.is_repeat,
       f.straight AND (list_contains(CAST($sl_units AS VARCHAR[]), f.unit)
                       OR list_contains(CAST($sl_interviewers AS VARCHAR[]), f.unit || '|' || f.interviewer))
           AS f_straight,
       f.too_fast AND (list_contains(CAST($fast_units AS VARCHAR[]), f.unit)
                       OR list_contains(CAST($fast_interviewers AS VARCHAR[]), f.unit || '|' || f.interviewer))
           AS f_duration,
       f.is_repeat AND list_contains(CAST($repeat_units AS VARCHAR[]), f.unit) AS f_repeat,
       coalesce(f.sat_top, FALSE) AND EXISTS (
           SELECT 1 FROM b
           WHERE b.unit = f.unit
             AND f.interview_start BETWEEN b.ws AND b.ws + to_seconds(CAST($window_min * 60 AS BIGINT))
             AND (b.kind = 'jurisdiction' OR (b.kind = 'interviewer' AND b.label = f.interviewer)
                  OR (b.kind = 'channel' AND b.label = f.channel))) AS f_burst,
       x.respondent_key IS NOT NULL AS excluded
FROM flagged f LEFT JOIN x USING (respondent_key)
ORDER BY f.unit, f.interviewer, f.interview_start, f.respondent_key;
