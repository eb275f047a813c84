-- requires: integrity/base
-- Per unit: interviews of known length (n_dur) and too-short ones (k_fast, under $sec_per_item seconds per
-- answered item); respondents with a person key (n_keyed) and repeats among them (k_repeat: the person key
-- was already interviewed earlier in the period, in any batch and any unit).
WITH r AS (
    SELECT *, row_number() OVER (PARTITION BY person_hash ORDER BY interview_date, interview_start, respondent_key)
              AS nth
    FROM jm_integrity_resp($date_from, $date_to, $level)
)
SELECT unit,
       count(*) AS n,
       count(*) FILTER (WHERE duration_min IS NOT NULL AND n_answered > 0) AS n_dur,
       count(*) FILTER (WHERE duration_min IS NOT NULL AND n_answered > 0
                        AND duration_min * 60 < $sec_per_item * n_answered) AS k_fast,
       count(*) FILTER (WHERE person_hash IS NOT NULL) AS n_keyed,
       count(*) FILTER (WHERE person_hash IS NOT NULL AND nth > 1) AS k_repeat
FROM r
GROUP BY unit
ORDER BY unit;
