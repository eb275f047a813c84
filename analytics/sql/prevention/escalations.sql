-- requires: prevention/escalation_links, jurisdictions/row_place
-- The escalation list for analysts (person keys never selected): one row per (dispute, case), the dispute's
-- jurisdiction at $level, its period filtered on the dispute's found date ($date_from / $date_to); the dispute's
-- and the case's station and community (jm_row_place).
SELECT a.ancestor_code AS jurisdiction, j.name_zh, j.name_en, pl.station, pl.station_name_zh, pl.station_name_en,
       pl.community, pl.community_name_zh, pl.community_name_en, e.dispute_id, e.found_at, e.dispute_type,
       e.dispute_type_label, e.mediation_result, e.case_id, cp.station AS case_station,
       cp.station_name_zh AS case_station_name_zh, cp.station_name_en AS case_station_name_en,
       cp.community AS case_community, cp.community_name_zh AS case_community_name_zh,
       cp.community_name_en AS case_community_name_en, e.reported_at, e.category, e.category_label, e.link,
       e.days_after
FROM jm_escalation_links($crime_categories, $window_days, $stations) e
JOIN jurisdiction_ancestors a ON a.code = e.station AND a.ancestor_level = $level
JOIN jurisdictions j ON j.code = a.ancestor_code
JOIN jm_row_place() pl ON pl.code = e.station
LEFT JOIN jm_row_place() cp ON cp.code = e.case_station
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($date_from IS NULL OR e.found_at >= $date_from)
  AND ($date_to IS NULL OR e.found_at <= $date_to)
ORDER BY e.found_at, e.dispute_id, e.reported_at;
