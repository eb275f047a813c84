-- requires: jurisdictions/row_place
-- The open loop: dissatisfied callbacks (回访不满意) not yet rectified (整改), oldest callback first.
-- A callback counts as rectified when rectification_status = 'rectified' or rectified_at is set.
-- days_waited = days from the callback to $as_of. Cases of any current status are listed.
-- $jurisdictions filters on the ancestor at $level; $stations (NULL = all) limits the case rows to
-- these stations (a scoped user's own subtree). station and community: where the case is coded (jm_row_place).
SELECT a.ancestor_code AS jurisdiction,
       j.name_zh, j.name_en,
       pl.station, pl.station_name_zh, pl.station_name_en,
       pl.community, pl.community_name_zh, pl.community_name_en,
       c.case_id, c.category, c.is_small, c.status,
       c.reported_at, c.closed_at, c.callback_at, c.rectification_status,
       epoch(CAST($as_of AS TIMESTAMP) - c.callback_at) / 86400.0 AS days_waited,
       CAST($as_of AS TIMESTAMP) AS as_of
FROM cases c
JOIN jurisdiction_ancestors a ON a.code = c.jurisdiction_code AND a.ancestor_level = $level
JOIN jurisdictions j ON j.code = a.ancestor_code
JOIN jm_row_place() pl ON pl.code = c.jurisdiction_code
WHERE c.callback_result = 'dissatisfied'
  AND COALESCE(c.rectification_status, '') <> 'rectified'
  AND c.rectified_at IS NULL
  AND ($jurisdictions IS NULL OR list_contains($jurisdictions, a.ancestor_code))
  AND ($stations IS NULL OR list_contains($stations, c.jurisdiction_code))
ORDER BY c.callback_at ASC NULLS LAST, c.case_id;
