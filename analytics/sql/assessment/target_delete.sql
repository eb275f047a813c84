-- Remove one target.
DELETE FROM assessment_targets
WHERE source = $source AND component = $component AND scope = $scope AND effective_from = $effective_from;
