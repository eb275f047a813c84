-- What the load summary says about a survey upload (one row).
WITH per_value AS MATERIALIZED (  -- answer cells counted once per value, not joined cell by cell
    SELECT vid, count(*) AS n FROM ingest_answer_cells GROUP BY vid
)
SELECT
    (SELECT count(*) FROM ingest_typed) AS respondents,
    (SELECT coalesce(sum(n) FILTER (WHERE v.code IS NOT NULL), 0) FROM per_value JOIN ingest_answer_values v USING (vid))
        AS answers,
    (SELECT coalesce(sum(n) FILTER (WHERE v.is_dk), 0) FROM per_value JOIN ingest_answer_values v USING (vid))
        AS dont_know,
    -- rows coded to a district or city; a community's rows count in its station's figures (not in this count)
    (SELECT count(*) FROM ingest_typed t JOIN jurisdictions j ON j.code = t.jurisdiction
        WHERE j.level IN ('district', 'city')) AS not_station_rows,
    (SELECT count(*) FROM ingest_typed t JOIN jurisdictions j ON j.code = t.jurisdiction
        WHERE j.level = 'community') AS community_rows,
    -- rows whose person already answered earlier in the file: all rows less one per person. Counted on the hash's
    -- 32 bytes, the whole hash (exact), not on its 64-character hex: a 4M-row upload's largest hash table (issue 21)
    (SELECT count(person_hash_bytes) - count(DISTINCT person_hash_bytes) FROM ingest_typed) AS repeat_in_file,
    (SELECT count(*) FROM ingest_typed t
        WHERE t.person_hash IS NOT NULL AND EXISTS (
            SELECT 1 FROM respondents r JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
            WHERE r.person_hash = t.person_hash)) AS repeat_loaded,
    (SELECT min(interview_date) FROM ingest_typed) AS first_date,
    (SELECT max(interview_date) FROM ingest_typed) AS last_date;
