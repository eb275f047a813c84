-- One Arrow batch of a workbook's rows (registered as ingest_xlsx_batch) into the staged sheet.
INSERT INTO ingest_xlsx SELECT * FROM ingest_xlsx_batch;
