-- Every survey wave of the loaded batches in wave order: label, first and last interview date, respondents,
-- the order a mapping gave (NULL: ordered by first interview date) and its place in the order.
SELECT label, first_date, last_date, respondents, given_order, sort_order
FROM waves
ORDER BY sort_order;
