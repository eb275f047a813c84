-- requires: prevention/escalation_links
-- The escalation list for analysts (person keys never selected): one row per (dispute, case), the dispute's
-- jurisdiction at $level, its period filtered on the dispute's found date ($date_from / $date_to).
SELECT a.ancestor_code AS jurisdiction, j.name_zh, j.name_en, e.station, s.name_zh AS station_name_zh,
       s.name_en AS station_name_en, e.dispute_id, e.found_at, e.dispute_type, e.dispute_type_label,
       e.mediation_result, e.case_id, e.case_station, e.reported_at, e.category, e.category_label, e.link,
       e.days_after
FROM jm_escalation_links($crime_categories, $window_days, $stations) e
JOIN jurisdiction_ancestors a ON a.code = e.station AND a.ancestor_level = $level
JOIN jurisdictions j ON j.code = a.ancestor_code
JOIN jurisdictions s ON s.code = e.station
WHERE ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($date_from IS NULL OR e.found_at >= $date_from)
  AND ($date_to IS NULL OR e.found_at <= $date_to)
ORDER BY e.found_at, e.dispute_id, e.reported_at;
