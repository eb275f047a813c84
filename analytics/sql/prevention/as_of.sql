-- The as-of day of prevention figures: the latest date any dispute, hazard or case row carries (not the
-- clock), so re-running later gives the same figures.
SELECT CAST(greatest(
    (SELECT max(found_at) FROM disputes), (SELECT max(mediated_at) FROM disputes),
    (SELECT max(found_at) FROM hazards), (SELECT max(rectified_at) FROM hazards),
    (SELECT max(CAST(reported_at AS DATE)) FROM cases), (SELECT max(CAST(callback_at AS DATE)) FROM cases)
) AS DATE) AS as_of;
