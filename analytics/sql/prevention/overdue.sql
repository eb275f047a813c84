-- requires: jurisdictions/row_place
-- Hazards overdue as of $as_of (deadline passed, not rectified by then), longest overdue first, with the
-- jurisdiction at $level and the hazard's station and community (jm_row_place); $stations (NULL = all) limits
-- to a scoped user's subtree.
SELECT a.ancestor_code AS jurisdiction, j.name_zh, j.name_en, pl.station, pl.station_name_zh, pl.station_name_en,
       pl.community, pl.community_name_zh, pl.community_name_en, x.hazard_id, x.place_category,
       x.place_category_label, x.severity, x.severity_label, x.found_at, x.deadline,
       date_diff('day', x.deadline, CAST($as_of AS DATE)) AS days_overdue, CAST($as_of AS DATE) AS as_of
FROM hazards x
JOIN jurisdiction_ancestors a ON a.code = x.jurisdiction_code AND a.ancestor_level = $level
JOIN jurisdictions j ON j.code = a.ancestor_code
JOIN jm_row_place() pl ON pl.code = x.jurisdiction_code
WHERE x.deadline < $as_of AND (x.rectified_at IS NULL OR x.rectified_at > $as_of)
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, x.jurisdiction_code))
ORDER BY days_overdue DESC, x.hazard_id;
