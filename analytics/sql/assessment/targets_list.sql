-- Every target, most recently effective first within each component and scope.
SELECT source, component, scope, effective_from, target, direction, updated_at, updated_by
FROM assessment_targets
ORDER BY source, component, scope, effective_from DESC;
