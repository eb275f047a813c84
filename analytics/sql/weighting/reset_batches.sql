-- Undo raking for the batches in $batches: the weight goes back to the design weight (NULL stays NULL).
UPDATE respondents SET weight = design_weight WHERE list_contains($batches, batch_id);
