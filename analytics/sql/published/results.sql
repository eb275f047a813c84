-- Published figures (the newest load of each root x area x period x measure x group), filtered by bound values;
-- a NULL filter keeps everything. value IS NULL: not published by the source.
WITH latest AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.root, r.jurisdiction, r.period, r.measure, r.grp
                                   ORDER BY r.load_id DESC) AS rn
    FROM published_results r JOIN published_loads l USING (load_id)
    WHERE l.status = 'loaded'
), wanted_areas AS (
    SELECT unnest(CAST($roots AS VARCHAR[])) AS root, unnest(CAST($codes AS VARCHAR[])) AS code
)
SELECT x.root, x.jurisdiction,
       CASE WHEN x.jurisdiction = '' THEN x.root ELSE coalesce(j.name, x.jurisdiction) || ' · ' || x.root END
           AS jurisdiction_name,
       x.period, x.period_kind, x.period_end, x.period_text, x.measure, x.measure_label, x.indicator, x.grp,
       x.value_text, x.value, x.value_kind, x.scale_min, x.scale_max, x.digits,
       CAST(x.n AS DOUBLE) AS n, x.se, x.lower, x.upper, x.source, x.note, x.load_id, x.source_row
FROM latest x
LEFT JOIN external_jurisdictions j ON j.root = x.root AND j.code = x.jurisdiction
WHERE x.rn = 1
  AND (CAST($period_kind AS VARCHAR) IS NULL OR x.period_kind = $period_kind)
  AND (CAST($date_from AS DATE) IS NULL OR x.period_end >= CAST($date_from AS DATE))
  AND (CAST($date_to AS DATE) IS NULL OR x.period_end <= CAST($date_to AS DATE))
  AND (CAST($indicator AS VARCHAR) IS NULL OR x.indicator = $indicator)
  AND (CAST($measures AS VARCHAR[]) IS NULL OR list_contains(CAST($measures AS VARCHAR[]), x.measure))
  AND (CAST($group AS VARCHAR) IS NULL OR x.grp = $group)
  AND (CAST($roots AS VARCHAR[]) IS NULL
       OR EXISTS (SELECT 1 FROM wanted_areas w WHERE w.root = x.root AND w.code = x.jurisdiction))
ORDER BY x.root, x.jurisdiction, x.period_end, x.measure, x.grp;
