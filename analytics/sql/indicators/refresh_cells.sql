-- Rebuild indicator_cells from every respondent (jm_cells from indicator_cells_macro must exist).
DELETE FROM indicator_cells;
INSERT INTO indicator_cells BY NAME SELECT * FROM jm_cells(NULL);
