-- Whether batch $batch_id has a cluster (PSU) that respondents of another batch share in the same
-- jurisdiction, month, wave and stratum: then its cells cannot simply be added (one row, one column).
SELECT EXISTS (
    SELECT 1
    FROM respondents n
    JOIN respondents o
      ON o.cluster = n.cluster AND o.jurisdiction_code = n.jurisdiction_code
     AND date_trunc('month', o.interview_date) = date_trunc('month', n.interview_date)
     AND COALESCE(o.stratum, '') = COALESCE(n.stratum, '')
     AND COALESCE(o.wave, '') = COALESCE(n.wave, '')
    WHERE n.batch_id = $batch_id AND o.batch_id <> $batch_id AND n.cluster IS NOT NULL
) AS shared;
