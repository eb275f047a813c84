-- Save one component of a scheme.
INSERT INTO assessment_components (scheme, position, source, component, weight, normalisation, floor_value,
                                   ceiling_value)
VALUES ($scheme, $position, $source, $component, $weight, $normalisation, $floor_value, $ceiling_value);
