-- Undo raking for every respondent: the weight goes back to the design weight (NULL, meaning 1, stays NULL).
UPDATE respondents SET weight = design_weight;
