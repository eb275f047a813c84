-- Escalation links (民转刑) as a table macro, required by prevention/escalations and prevention/metrics:
-- each (dispute, case) pair where a criminal or public-order case (crime_categories: families or the files'
-- own labels) was reported on or after the day the dispute was found and within window_days days of it,
-- and either involves one of the dispute's parties (the case's reporter key equals a party key of the
-- dispute's current batch) or names the dispute (case_events.dispute_ref). The case may lie in any
-- jurisdiction; the escalation counts for the dispute's. stations (NULL = all) limits the disputes to these
-- stations (a scoped user's subtree). Person keys are joined on, never selected.
CREATE OR REPLACE TEMP MACRO jm_escalation_links(crime_categories, window_days, stations) AS TABLE
WITH crime AS (
    SELECT case_id, jurisdiction_code, reported_at, category, category_label, reporter_hash, dispute_ref
    FROM cases
    WHERE reported_at IS NOT NULL
      AND (list_contains(crime_categories, category) OR list_contains(crime_categories, category_label))
),
by_person AS (
    SELECT DISTINCT d.dispute_id, c.case_id, 'person' AS link
    FROM disputes d
    JOIN dispute_parties p ON p.dispute_id = d.dispute_id AND p.batch_id = d.batch_id
    JOIN crime c ON c.reporter_hash = p.party_hash
    WHERE CAST(c.reported_at AS DATE) BETWEEN d.found_at AND d.found_at + CAST(window_days AS INTEGER)
),
by_reference AS (
    SELECT d.dispute_id, c.case_id, 'reference' AS link
    FROM disputes d JOIN crime c ON c.dispute_ref = d.dispute_id
    WHERE CAST(c.reported_at AS DATE) BETWEEN d.found_at AND d.found_at + CAST(window_days AS INTEGER)
),
linked AS (
    SELECT dispute_id, case_id,
           CASE WHEN count(DISTINCT link) = 2 THEN 'both' ELSE any_value(link) END AS link
    FROM (SELECT * FROM by_person UNION ALL SELECT * FROM by_reference)
    GROUP BY dispute_id, case_id
)
SELECT d.dispute_id, d.jurisdiction_code AS station, d.found_at, d.dispute_type, d.dispute_type_label,
       d.mediation_result, c.case_id, c.jurisdiction_code AS case_station, c.reported_at, c.category,
       c.category_label, l.link,
       date_diff('day', d.found_at, CAST(c.reported_at AS DATE)) AS days_after
FROM linked l
JOIN disputes d ON d.dispute_id = l.dispute_id
JOIN crime c ON c.case_id = l.case_id
WHERE stations IS NULL OR list_contains(stations, d.jurisdiction_code);
