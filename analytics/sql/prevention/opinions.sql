-- requires: prevention/unsolved_opinions_macro, jurisdictions/row_place
-- Opinions collected in callbacks on crime cases not solved (outcome 'unsolved' or open without one), as the
-- redacted callback comments the case file's opinion text became, with tone and derived topics; newest
-- first, with the case's station and community (jm_row_place). Record-level: only for roles with record_detail (analytics/prevention.py checks).
-- Parameters: $level, $jurisdictions, $stations, $date_from, $date_to (by comment day), $crime_categories.
SELECT o.case_id, pl.station, pl.station_name_zh, pl.station_name_en, pl.community, pl.community_name_zh,
       pl.community_name_en, o.commented_at, o.text, o.tone,
       list(t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics,
       flatten(list(t.evidence ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL)) AS evidence
FROM jm_unsolved_opinions($level, $jurisdictions, $stations, $date_from, $date_to, $crime_categories) o
JOIN jm_row_place() pl ON pl.code = o.station
LEFT JOIN text_topics t ON t.record_kind = 'comment' AND t.record_id = o.comment_id AND t.batch_id = o.batch_id
GROUP BY ALL
ORDER BY o.commented_at DESC, o.case_id;
