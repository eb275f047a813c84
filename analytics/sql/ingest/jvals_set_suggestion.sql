-- The close registry names suggested for an unknown value (?, then the value ?).
UPDATE ingest_jvals SET suggestion = ? WHERE raw = ?;
