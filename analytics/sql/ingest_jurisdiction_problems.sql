-- One problem per row whose jurisdiction is unknown or ambiguous.
INSERT INTO ingest_problems
SELECT jm_row('jurisdiction', f._row), jm_h('jurisdiction'), trim(f.jurisdiction),
       CASE j.status WHEN 'unknown' THEN 'unknown_jurisdiction' ELSE 'ambiguous_jurisdiction' END,
       CASE WHEN j.status = 'ambiguous' THEN 'ambiguous_jurisdiction'
            WHEN j.suggestion IS NULL THEN 'unknown_jurisdiction'
            ELSE 'unknown_jurisdiction_closest' END,
       json_object('value', trim(f.jurisdiction), 'closest', j.suggestion,
                   'candidates', array_to_string(j.candidates, ', '))
FROM ingest_fields f JOIN ingest_jvals j ON j.norm = jm_norm(f.jurisdiction)
WHERE j.status IN ('unknown', 'ambiguous');
