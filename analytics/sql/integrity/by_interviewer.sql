-- requires: integrity/base
-- Per unit and interviewer: respondents with 4+ ordinal items (n_sl) and straight-liners among them (k_sl);
-- interviews of known length (n_dur) and those shorter than $sec_per_item seconds per answered item
-- (k_fast); the satisfaction indicator's base (n_sat), sum of scores (sum_sat) and sum of squared scores.
-- Respondents without an interviewer form no interviewer unit.
SELECT unit, interviewer,
       count(*) FILTER (WHERE n_items >= 4) AS n_sl,
       count(*) FILTER (WHERE straight) AS k_sl,
       count(*) FILTER (WHERE duration_min IS NOT NULL AND n_answered > 0) AS n_dur,
       count(*) FILTER (WHERE duration_min IS NOT NULL AND n_answered > 0
                        AND duration_min * 60 < $sec_per_item * n_answered) AS k_fast,
       count(sat_score) AS n_sat,
       coalesce(sum(sat_score), 0) AS sum_sat,
       coalesce(sum(sat_score * sat_score), 0) AS sum_sat2
FROM jm_integrity_resp($date_from, $date_to, $level)
WHERE interviewer IS NOT NULL
GROUP BY unit, interviewer
ORDER BY unit, interviewer;
