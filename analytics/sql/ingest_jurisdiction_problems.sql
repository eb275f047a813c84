-- One problem per row whose jurisdiction is unknown or ambiguous (texts matched once each, then joined back).
INSERT INTO ingest_problems
WITH bad AS MATERIALIZED (
    SELECT t.text, j.status, j.suggestion, j.candidates
    FROM (SELECT DISTINCT jurisdiction AS text FROM ingest_fields) t
    JOIN ingest_jvals j ON j.norm = jm_norm(t.text)
    WHERE j.status IN ('unknown', 'ambiguous')
)
SELECT jm_row('jurisdiction', f._row), jm_h('jurisdiction'), trim(f.jurisdiction),
       CASE b.status WHEN 'unknown' THEN 'unknown_jurisdiction' ELSE 'ambiguous_jurisdiction' END,
       CASE WHEN b.status = 'ambiguous' THEN 'ambiguous_jurisdiction'
            WHEN b.suggestion IS NULL THEN 'unknown_jurisdiction'
            ELSE 'unknown_jurisdiction_closest' END,
       json_object('value', trim(f.jurisdiction), 'closest', b.suggestion,
                   'candidates', array_to_string(b.candidates, ', '))
FROM ingest_fields f JOIN bad b ON b.text = f.jurisdiction;
