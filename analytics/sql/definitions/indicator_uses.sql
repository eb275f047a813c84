-- Where an indicator key is used besides its own cells: assessment targets and scheme components, and
-- published results confirmed as meaning the same. Removing the indicator would leave these dangling.
SELECT 'assessment target' AS used_by, count(*) AS n FROM assessment_targets
WHERE source = 'indicator' AND component = $key
UNION ALL
SELECT 'assessment scheme ' || scheme, count(*) FROM assessment_components
WHERE source = 'indicator' AND component = $key GROUP BY scheme
UNION ALL
SELECT 'published result', count(*) FROM published_results WHERE indicator = $key
