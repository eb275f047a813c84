-- External areas that have published figures in a loaded file: root, code ('' = the root's whole area), name.
SELECT DISTINCT j.root, j.code, CASE WHEN j.code = '' THEN j.root ELSE j.name || ' · ' || j.root END AS name
FROM external_jurisdictions j
JOIN published_results r ON r.root = j.root AND r.jurisdiction = j.code
JOIN published_loads l ON l.load_id = r.load_id AND l.status = 'loaded'
ORDER BY j.root, j.code;
