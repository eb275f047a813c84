-- An unknown value becomes a new station with this code (?, then the value ?).
UPDATE ingest_jvals SET status = 'new', code = ? WHERE raw = ?;
