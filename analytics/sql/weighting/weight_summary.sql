-- Weights in use (respondents.weight, NULL = 1) of the respondents of loaded batches ($batches NULL = all):
-- sums for Kish's effective n and design effect, overall (scope 'all'), per batch and per district.
-- n_raked counts respondents whose weight differs from their design weight (NULL design weight = 1).
WITH r AS (
    SELECT COALESCE(r.weight, 1.0) AS w,
           COALESCE(r.design_weight, 1.0) AS w0,
           r.batch_id,
           up.ancestor_code AS district
    FROM respondents r
    JOIN batches b ON b.batch_id = r.batch_id AND b.status = 'loaded'
    LEFT JOIN jurisdiction_ancestors up ON up.code = r.jurisdiction_code AND up.ancestor_level = 'district'
    WHERE $batches IS NULL OR list_contains($batches, r.batch_id)
)
SELECT CASE WHEN grouping(batch_id) = 0 THEN 'batch' WHEN grouping(district) = 0 THEN 'district' ELSE 'all' END
           AS scope,
       CASE WHEN grouping(batch_id) = 0 THEN batch_id END AS batch_id,
       CASE WHEN grouping(district) = 0 THEN district END AS district,
       count(*) AS n,
       sum(w) AS sum_w,
       sum(w * w) AS sum_w2,
       min(w) AS weight_min,
       max(w) AS weight_max,
       count(*) FILTER (WHERE abs(w - w0) > 1e-9 * w0) AS n_raked
FROM r
GROUP BY GROUPING SETS ((), (batch_id), (district))
ORDER BY CASE scope WHEN 'all' THEN 0 WHEN 'batch' THEN 1 ELSE 2 END, batch_id, district;
