-- One batch's kind, status and file name (no row: there is no such batch).
SELECT kind, status, source_name FROM batches WHERE batch_id = $batch_id;
