-- One problem per row whose jurisdiction is unknown, ambiguous, under several root cities or outside the
-- chosen parent $within (texts matched once each, then joined back).
INSERT INTO ingest_problems
WITH bad AS MATERIALIZED (
    SELECT t.text, j.status, j.suggestion, j.candidates
    FROM (SELECT DISTINCT jurisdiction AS text FROM ingest_fields) t
    JOIN ingest_jvals j ON j.norm = jm_norm(t.text)
    WHERE j.status IN ('unknown', 'ambiguous', 'other_root', 'outside')
)
SELECT jm_row('jurisdiction', f._row), jm_h('jurisdiction'), trim(f.jurisdiction),
       CASE WHEN b.status IN ('unknown', 'outside') THEN 'unknown_jurisdiction' ELSE 'ambiguous_jurisdiction' END,
       CASE WHEN b.status = 'ambiguous' THEN 'ambiguous_jurisdiction'
            WHEN b.status = 'other_root' THEN 'jurisdiction_other_roots'
            WHEN b.status = 'outside' THEN 'jurisdiction_outside'
            WHEN b.suggestion IS NULL THEN 'unknown_jurisdiction'
            ELSE 'unknown_jurisdiction_closest' END,
       json_object('value', trim(f.jurisdiction), 'closest', b.suggestion,
                   'candidates', array_to_string(b.candidates, ', '), 'within', $within)
FROM ingest_fields f JOIN bad b ON b.text = f.jurisdiction;
