-- Every batch ever loaded, newest first.
SELECT batch_id, kind, source_name, row_count, loaded_at, status, survey_mode, mapping_name, sha256, removed_at
FROM batches
ORDER BY batch_id DESC;
