-- The batch row of a load (inside the load's transaction); its id numbers every row the load writes.
INSERT INTO batches (kind, source_name, sha256, row_count, survey_mode, mapping_name, summary)
VALUES ($kind, $name, $sha, $rows, $mode, $mapping, $summary)
RETURNING batch_id;
