-- Save a scheme's header row; its components follow (scheme_component_insert).
INSERT INTO assessment_schemes (name, is_default, missing_rule, description, updated_by)
VALUES ($name, $is_default, $missing_rule, $description, $actor);
