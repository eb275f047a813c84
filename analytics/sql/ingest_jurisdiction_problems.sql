-- One problem per row whose jurisdiction is unknown or ambiguous.
INSERT INTO ingest_problems
SELECT jm_row('jurisdiction', f._row), jm_h('jurisdiction'), trim(f.jurisdiction),
       CASE j.status WHEN 'unknown' THEN 'unknown_jurisdiction' ELSE 'ambiguous_jurisdiction' END,
       CASE j.status
           WHEN 'unknown' THEN format('''{}'' is not a known jurisdiction{}; add it to the registry or load with '
                                      || '--create-jurisdictions', trim(f.jurisdiction),
                                      coalesce('; closest: ' || j.suggestion, ''))
           ELSE format('''{}'' is the name of several jurisdictions ({}); use the code', trim(f.jurisdiction),
                       array_to_string(j.candidates, ', '))
       END
FROM ingest_fields f JOIN ingest_jvals j ON j.norm = jm_norm(f.jurisdiction)
WHERE j.status IN ('unknown', 'ambiguous');
