-- Loaded batches of the same file content (sha256), oldest first.
SELECT batch_id, source_name, strftime(loaded_at, '%Y-%m-%d %H:%M') AS loaded_at
FROM batches
WHERE sha256 = $sha256 AND status = 'loaded'
ORDER BY batch_id;
