-- Record a published-results load ($summary: JSON text) and return its new id.
INSERT INTO published_loads (source_name, sha256, row_count, loaded_by, summary)
VALUES ($source_name, $sha256, $rows, $actor, $summary) RETURNING load_id;
