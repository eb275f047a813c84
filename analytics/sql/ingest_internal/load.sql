-- Append a checked internal-evaluation upload as batch $batch_id. Officer ids are stored as given, or (the
-- mapping option hash_officer_id) as the keyed hash of 'officer:<id>' computed here, so no clear id is written.
-- A rate row keeps numerator and denominator; a mean row its score, standard deviation and number tested.
INSERT INTO internal_values (batch_id, jurisdiction_code, officer_id, period, period_start, period_end, measure,
                             numerator, denominator, score, score_sd, n_tested)
SELECT $batch_id, jurisdiction,
       CASE WHEN officer_id IS NULL THEN NULL
            WHEN $hash_officer_id THEN sha256($hmac_opad || unhex(sha256($hmac_ipad || encode('officer:' || officer_id))))
            ELSE officer_id END,
       period_label, period_start, period_end, measure_key,
       CASE WHEN measure_kind = 'rate' THEN numerator END,
       CASE WHEN measure_kind = 'rate' THEN denominator END,
       CASE WHEN measure_kind = 'mean' THEN score END,
       CASE WHEN measure_kind = 'mean' THEN score_sd END,
       CASE WHEN measure_kind = 'mean' THEN n_tested END
FROM ingest_internal_rows;
