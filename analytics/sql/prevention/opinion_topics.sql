-- requires: prevention/unsolved_opinions_macro
-- Topics of the opinions collected in callbacks on unsolved crime cases per jurisdiction (at $level):
-- counts only (every role). Parameters as prevention/opinions.
SELECT o.jurisdiction, t.topic, count(DISTINCT o.comment_id) AS n
FROM jm_unsolved_opinions($level, $jurisdictions, $stations, $date_from, $date_to, $crime_categories) o
JOIN text_topics t ON t.record_kind = 'comment' AND t.record_id = o.comment_id AND t.batch_id = o.batch_id
GROUP BY ALL
ORDER BY o.jurisdiction, n DESC, t.topic;
