-- Every batch that has respondents (raking with no batches chosen rakes them all together).
SELECT DISTINCT batch_id FROM respondents;
