-- Every scheme with its components in order.
SELECT s.name, s.is_default, s.missing_rule, s.description, s.updated_at, s.updated_by,
       c.position, c.source, c.component, c.weight, c.normalisation, c.floor_value, c.ceiling_value
FROM assessment_schemes s
LEFT JOIN assessment_components c ON c.scheme = s.name
ORDER BY s.name, c.position;
