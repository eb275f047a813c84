-- The latest time any case row mentions (report, response, closure, callback or rectification):
-- the "as of" time for deadlines and waiting times. NULL when there are no cases.
SELECT max(greatest(reported_at, first_response_at, closed_at, callback_at, rectified_at)) AS as_of
FROM cases;
