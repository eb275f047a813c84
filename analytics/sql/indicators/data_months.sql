-- The months (first days) that have survey data, in order.
SELECT DISTINCT month FROM indicator_cells ORDER BY month;
