-- Published-results loads, newest first: id, file, figures, when and by whom, status, the root(s) they filled.
SELECT l.load_id, l.source_name, l.row_count, l.loaded_at, l.loaded_by, l.status,
       coalesce(json_extract_string(l.summary, '$.root'), '') AS root
FROM published_loads l
ORDER BY l.load_id DESC;
