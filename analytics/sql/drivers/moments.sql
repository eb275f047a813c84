-- requires: drivers/respondent_filter
-- Key-driver analysis in one pass over the answers, per group: the sufficient statistics of the respondent x
-- variable matrix (n, Σx per variable, Σx·y per pair) and a seeded sample of complete respondents for the bootstrap.
-- $variables: item names (the outcome first, then the drivers; at most 13 = analytics.drivers.MAX_DRIVERS + 1). An answer
-- counts when its code is one of the item's substantive codes (items.codes) and numeric; don't-know / refused codes
-- and missing answers drop the respondent from every variable (listwise deletion), so every pair has the same base n.
-- Groups and filters: drivers/respondent_filter ($group_level, $date_from, $date_to, $jurisdictions).
--
-- Shape: each respondent's answers become one row with a fixed slot per variable position (x1 = $variables[1], ...;
-- the slots past len($variables) stay NULL, so their sums are NULL). A respondent is complete when every one of the
-- first len($variables) slots holds a value: the same rule as counting the distinct items answered, without a
-- DISTINCT aggregate. Column s<i> is Σx<i>, p<i>_<j> (i ≤ j) is Σx<i>·x<j>; the caller fills the symmetric matrix.
-- Written out per slot rather than as a self-join of the long answers on respondent_key: the join produced
-- n x len($variables)² rows (28 million at a million respondents), which was most of the Drivers page's first visit.
--
-- sample: at most $max_rows complete respondents per group for the bootstrap, each as its vector of values in the
-- order of $variables, in respondent_key order; the respondents with the smallest hash(respondent_key, $seed) in
-- the group: a simple random sample without replacement that is reproducible for a seed regardless of threads.
WITH vectors AS (
    SELECT respondent_key,
           max(CASE WHEN pos = 1 THEN v END) AS x1,
           max(CASE WHEN pos = 2 THEN v END) AS x2,
           max(CASE WHEN pos = 3 THEN v END) AS x3,
           max(CASE WHEN pos = 4 THEN v END) AS x4,
           max(CASE WHEN pos = 5 THEN v END) AS x5,
           max(CASE WHEN pos = 6 THEN v END) AS x6,
           max(CASE WHEN pos = 7 THEN v END) AS x7,
           max(CASE WHEN pos = 8 THEN v END) AS x8,
           max(CASE WHEN pos = 9 THEN v END) AS x9,
           max(CASE WHEN pos = 10 THEN v END) AS x10,
           max(CASE WHEN pos = 11 THEN v END) AS x11,
           max(CASE WHEN pos = 12 THEN v END) AS x12,
           max(CASE WHEN pos = 13 THEN v END) AS x13
    FROM jm_driver_values($variables)
    GROUP BY respondent_key
),
complete AS (
    SELECT r.grp, v.*,
           row_number() OVER (PARTITION BY r.grp ORDER BY hash(v.respondent_key, $seed), v.respondent_key) AS draw
    FROM vectors v
    JOIN jm_driver_respondents($group_level, $date_from, $date_to, $jurisdictions) r USING (respondent_key)
    WHERE (x1 IS NOT NULL)::INTEGER + (x2 IS NOT NULL)::INTEGER + (x3 IS NOT NULL)::INTEGER + (x4 IS NOT NULL)::INTEGER
          + (x5 IS NOT NULL)::INTEGER + (x6 IS NOT NULL)::INTEGER + (x7 IS NOT NULL)::INTEGER + (x8 IS NOT NULL)::INTEGER
          + (x9 IS NOT NULL)::INTEGER + (x10 IS NOT NULL)::INTEGER + (x11 IS NOT NULL)::INTEGER + (x12 IS NOT NULL)::INTEGER
          + (x13 IS NOT NULL)::INTEGER = len($variables)
)
SELECT grp,
       count(*) AS n,
       sum(x1) AS s1, sum(x2) AS s2, sum(x3) AS s3, sum(x4) AS s4, sum(x5) AS s5, sum(x6) AS s6, sum(x7) AS s7,
       sum(x8) AS s8, sum(x9) AS s9, sum(x10) AS s10, sum(x11) AS s11, sum(x12) AS s12, sum(x13) AS s13,
       sum(x1 * x1) AS p1_1, sum(x1 * x2) AS p1_2, sum(x1 * x3) AS p1_3, sum(x1 * x4) AS p1_4, sum(x1 * x5) AS p1_5,
       sum(x1 * x6) AS p1_6, sum(x1 * x7) AS p1_7, sum(x1 * x8) AS p1_8, sum(x1 * x9) AS p1_9, sum(x1 * x10) AS p1_10,
       sum(x1 * x11) AS p1_11, sum(x1 * x12) AS p1_12, sum(x1 * x13) AS p1_13,
       sum(x2 * x2) AS p2_2, sum(x2 * x3) AS p2_3, sum(x2 * x4) AS p2_4, sum(x2 * x5) AS p2_5, sum(x2 * x6) AS p2_6,
       sum(x2 * x7) AS p2_7, sum(x2 * x8) AS p2_8, sum(x2 * x9) AS p2_9, sum(x2 * x10) AS p2_10, sum(x2 * x11) AS p2_11,
       sum(x2 * x12) AS p2_12, sum(x2 * x13) AS p2_13,
       sum(x3 * x3) AS p3_3, sum(x3 * x4) AS p3_4, sum(x3 * x5) AS p3_5, sum(x3 * x6) AS p3_6, sum(x3 * x7) AS p3_7,
       sum(x3 * x8) AS p3_8, sum(x3 * x9) AS p3_9, sum(x3 * x10) AS p3_10, sum(x3 * x11) AS p3_11, sum(x3 * x12) AS p3_12,
       sum(x3 * x13) AS p3_13,
       sum(x4 * x4) AS p4_4, sum(x4 * x5) AS p4_5, sum(x4 * x6) AS p4_6, sum(x4 * x7) AS p4_7, sum(x4 * x8) AS p4_8,
       sum(x4 * x9) AS p4_9, sum(x4 * x10) AS p4_10, sum(x4 * x11) AS p4_11, sum(x4 * x12) AS p4_12, sum(x4 * x13) AS p4_13,
       sum(x5 * x5) AS p5_5, sum(x5 * x6) AS p5_6, sum(x5 * x7) AS p5_7, sum(x5 * x8) AS p5_8, sum(x5 * x9) AS p5_9,
       sum(x5 * x10) AS p5_10, sum(x5 * x11) AS p5_11, sum(x5 * x12) AS p5_12, sum(x5 * x13) AS p5_13,
       sum(x6 * x6) AS p6_6, sum(x6 * x7) AS p6_7, sum(x6 * x8) AS p6_8, sum(x6 * x9) AS p6_9, sum(x6 * x10) AS p6_10,
       sum(x6 * x11) AS p6_11, sum(x6 * x12) AS p6_12, sum(x6 * x13) AS p6_13,
       sum(x7 * x7) AS p7_7, sum(x7 * x8) AS p7_8, sum(x7 * x9) AS p7_9, sum(x7 * x10) AS p7_10, sum(x7 * x11) AS p7_11,
       sum(x7 * x12) AS p7_12, sum(x7 * x13) AS p7_13,
       sum(x8 * x8) AS p8_8, sum(x8 * x9) AS p8_9, sum(x8 * x10) AS p8_10, sum(x8 * x11) AS p8_11, sum(x8 * x12) AS p8_12,
       sum(x8 * x13) AS p8_13,
       sum(x9 * x9) AS p9_9, sum(x9 * x10) AS p9_10, sum(x9 * x11) AS p9_11, sum(x9 * x12) AS p9_12, sum(x9 * x13) AS p9_13,
       sum(x10 * x10) AS p10_10, sum(x10 * x11) AS p10_11, sum(x10 * x12) AS p10_12, sum(x10 * x13) AS p10_13,
       sum(x11 * x11) AS p11_11, sum(x11 * x12) AS p11_12, sum(x11 * x13) AS p11_13,
       sum(x12 * x12) AS p12_12, sum(x12 * x13) AS p12_13,
       sum(x13 * x13) AS p13_13,
       list([x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13][1:len($variables)] ORDER BY respondent_key)
           FILTER (WHERE draw <= $max_rows) AS sample
FROM complete
GROUP BY grp
ORDER BY grp;
