-- Set (or replace) one target: component x scope x effective date.
INSERT INTO assessment_targets (source, component, scope, effective_from, target, direction, updated_by)
VALUES ($source, $component, $scope, $effective_from, $target, $direction, $actor)
ON CONFLICT (source, component, scope, effective_from) DO UPDATE
SET target = excluded.target, direction = excluded.direction, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by;
