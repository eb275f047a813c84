-- Published results: write one checked file (pub_dups, pub_measures) under load $load_id and root $root.
-- Exact duplicates were collapsed (only each figure's first row is written); percentages, their SEs and bounds
-- become proportions; digits are the decimals the source gave in the unit shown (percent for a proportion).
INSERT INTO external_jurisdictions (root, code, name, parent_code, load_id)
SELECT $root, '', $root, NULL, $load_id
WHERE NOT EXISTS (SELECT 1 FROM external_jurisdictions WHERE root = $root AND code = '');

INSERT INTO external_jurisdictions (root, code, name, parent_code, load_id)
SELECT DISTINCT $root, jurisdiction, jurisdiction, '', $load_id
FROM pub_dups
WHERE jurisdiction <> '' AND jurisdiction NOT IN (SELECT code FROM external_jurisdictions WHERE root = $root);

INSERT INTO published_results
SELECT $load_id, d._row, $root, d.jurisdiction, d.period, d.period_kind, d.period_end, d.period_text, d.measure,
       m.label, m.indicator, d.grp, d.value_text, d.value,
       CASE WHEN $fmt = 'mean' THEN 'mean' ELSE 'proportion' END,
       CASE WHEN $fmt = 'mean' THEN CAST($scale_min AS DOUBLE) END,
       CASE WHEN $fmt = 'mean' THEN CAST($scale_max AS DOUBLE) END,
       CASE WHEN $fmt = 'mean' OR coalesce(d.in_percent, false) THEN coalesce(d.decimals, 0)
            ELSE greatest(coalesce(d.decimals, 0) - 2, 0) END,
       d.n,
       CASE WHEN coalesce(d.in_percent, false) THEN d.se / 100 ELSE d.se END,
       CASE WHEN coalesce(d.in_percent, false) THEN d.lower / 100 ELSE d.lower END,
       CASE WHEN coalesce(d.in_percent, false) THEN d.upper / 100 ELSE d.upper END,
       d.source, d.note
FROM pub_dups d JOIN pub_measures m USING (measure)
WHERE d.same AND d._row = d.first_row;
