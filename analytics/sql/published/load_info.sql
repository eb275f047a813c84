-- One published load ($load_id): its file, status, root and how many figures it still holds.
SELECT l.source_name, l.status, coalesce(json_extract_string(l.summary, '$.root'), '') AS root,
       (SELECT count(*) FROM published_results r WHERE r.load_id = l.load_id) AS figures
FROM published_loads l
WHERE l.load_id = $load_id;
