-- How many respondents of the batches in $batches (a list of ids) a reset touches.
SELECT count(*) AS n FROM respondents WHERE list_contains($batches, batch_id);
