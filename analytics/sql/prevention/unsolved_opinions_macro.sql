-- The callback comments (opinions) on crime cases not solved (outcome 'unsolved', or open without one), in a
-- scope, for prevention/opinions (record level) and prevention/opinion_topics (counts): one row per comment
-- with its case's station and its jurisdiction at at_level. A NULL list or day means no limit; a comment counts
-- by its own day, a case by its category (code or file label) in categories.
CREATE OR REPLACE TEMP MACRO jm_unsolved_opinions(at_level, in_jurisdictions, in_stations, day_from, day_to,
                                                  categories) AS TABLE
SELECT k.comment_id, k.batch_id, k.case_id, c.jurisdiction_code AS station, a.ancestor_code AS jurisdiction,
       k.commented_at, k.text, k.tone
FROM comments k
JOIN cases c ON c.case_id = k.case_id
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = at_level
WHERE (list_contains(categories, c.category) OR list_contains(categories, c.category_label))
  AND (c.outcome = 'unsolved' OR (c.outcome IS NULL AND c.status IS DISTINCT FROM 'closed'))
  AND (in_jurisdictions IS NULL OR list_contains(in_jurisdictions, a.ancestor_code))
  AND (in_stations IS NULL OR list_contains(in_stations, c.jurisdiction_code))
  AND (day_from IS NULL OR k.commented_at >= day_from)
  AND (day_to IS NULL OR k.commented_at <= day_to);
