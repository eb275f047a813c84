-- Leave out the rows whose field @F is blank (ingest_fields and ingest_answer_texts are views of ingest_raw).
DELETE FROM ingest_raw WHERE _row IN (SELECT _row FROM ingest_fields WHERE nullif(trim(@F), '') IS NULL);
