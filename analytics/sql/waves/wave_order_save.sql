-- The wave order a mapping gave (option wave_order: labels first to last): $labels[i] gets place i.
-- A later mapping's order replaces an earlier one's for the labels it names.
INSERT INTO wave_order (label, sort_order)
SELECT label, CAST(pos AS INTEGER)
FROM (SELECT unnest(CAST($labels AS VARCHAR[])) AS label, generate_subscripts(CAST($labels AS VARCHAR[]), 1) AS pos)
ON CONFLICT (label) DO UPDATE SET sort_order = excluded.sort_order;
